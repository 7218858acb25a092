// Revalidation, stale-while-revalidate and stale-if-error through a real Ferry and a real app (revalidation-lab):
// each document (?id=) has a version in its ETag or Last-Modified, answers 304 to a matching conditional request,
// and can be told to fail; /arrivals says what reached the app. Entries live 1 s (max-age=1), so each test creates
// its entries first and waits once for them to go stale. --max-request-time 1 makes an app that hangs time out.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore, type InProcessCore } from '../../helpers/core.js'
import { get, type Reply } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

interface Arrivals { arrivals: number, conditional: number, ifNoneMatch: Array<string | null> }

interface Lab extends InProcessCore {
  doc: (id: string, query?: string, headers?: Record<string, string>) => Promise<Reply>
  control: (id: string, query: string) => Promise<void>
  arrivals: (id: string) => Promise<Arrivals>
  cacheStats: () => Promise<Record<string, number>>
}

async function lab (t: TestContext): Promise<Lab> {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('revalidation-lab'), ['--max-pool-size', '1', '--max-request-time', '1'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  return Object.assign(f, {
    doc: async (id: string, query = '', headers: Record<string, string> = {}) => await get(`${f.url}/doc?id=${id}${query}`, { headers }),
    control: async (id: string, query: string) => { assert.equal((await get(`${f.url}/control?id=${id}${query}`)).status, 200) },
    arrivals: async (id: string) => JSON.parse((await get(`${f.url}/arrivals?id=${id}`)).body) as Arrivals,
    cacheStats: async () => (JSON.parse((await call('/server.json')).body) as { thread1: { turbocaching: Record<string, number> } }).thread1.turbocaching
  })
}

/** Past max-age=1 (Age counts whole seconds, so a little more than one). */
const PAST_FRESHNESS_MS = 1100

test('revalidation: a stale or no-cache entry with a validator is renewed by a 304, replaced by a 200; the client\'s own validators and range are the cache\'s to answer', async t => {
  const f = await lab(t)
  const noCache = await f.doc('nc', '&cc=no-cache')
  assert.equal((await f.doc('nc', '&cc=no-cache')).body, noCache.body, 'no-cache: answered from the entry after a 304')
  await f.control('nc', '&version=2')
  assert.match((await f.doc('nc', '&cc=no-cache')).body, /version=2/)
  assert.deepEqual(await f.arrivals('nc'), { arrivals: 3, conditional: 2, ifNoneMatch: [null, '"v1"', '"v1"'] }, 'asked every time')

  const etag = await f.doc('etag')
  const lm = await f.doc('lm', '&lm=1')
  const replaced = await f.doc('new')
  const own = await f.doc('own')
  const ranged = await f.doc('range')
  await f.doc('range2')
  await f.doc('match')
  await f.control('range2', '&version=2')
  assert.equal(etag.headers['x-answered'], '1')
  await f.control('new', '&version=2')
  await sleep(PAST_FRESHNESS_MS)

  const renewed = await f.doc('etag')
  assert.equal(renewed.status, 200)
  assert.equal(renewed.body, etag.body, 'the stored body, renewed by a 304')
  assert.equal(renewed.headers['x-answered'], '2', 'headers updated from the 304')
  assert.deepEqual((await f.arrivals('etag')).ifNoneMatch, [null, '"v1"'], 'asked with the stored ETag')
  const hit = await f.doc('etag')
  assert.equal(hit.headers['x-answered'], '2', 'fresh again: a hit')
  assert.equal((await f.arrivals('etag')).arrivals, 2)

  const byDate = await f.doc('lm', '&lm=1')
  assert.equal(byDate.body, lm.body, 'If-Modified-Since with the stored Last-Modified, answered 304')
  assert.equal((await f.arrivals('lm')).conditional, 1)

  const fresh = await f.doc('new')
  assert.match(fresh.body, /version=2/, 'a 200 reaches the client whole')
  assert.notEqual(fresh.body, replaced.body)
  assert.equal((await f.doc('new')).body, fresh.body, 'and replaces the entry')

  // The client's own If-None-Match is not the cache's: the app is asked with the stored ETag only.
  const mine = await f.doc('own', '', { 'if-none-match': '"not-mine"' })
  assert.equal(mine.status, 200)
  assert.equal(mine.body, own.body)
  assert.deepEqual((await f.arrivals('own')).ifNoneMatch, [null, '"v1"'])
  // When the client's own validator matches the renewed entry, the cache answers it 304 itself; a range is cut
  // from the renewed entry (the app is asked for the whole response).
  const matching = await f.doc('match', '', { 'if-none-match': '"v1"' })
  assert.equal(matching.status, 304)
  assert.equal(matching.body, '')
  const part = await f.doc('range', '', { range: 'bytes=0-6' })
  assert.equal(part.status, 206)
  assert.equal(part.body, ranged.body.slice(0, 7))
  assert.equal((await f.arrivals('range')).conditional, 1)
  const whole = await f.doc('range2', '', { range: 'bytes=0-6' })
  assert.equal(whole.status, 200, 'the app was asked for the whole new version: it reaches this client whole')
  assert.match(whole.body, /^version=2/)
  assert.equal((await f.doc('range2')).body, whole.body, 'and is stored')

  const s = await f.cacheStats()
  assert.equal(s.revalidations, 9)
  assert.equal(s.revalidated, 6)
})

test('stale-while-revalidate serves at once while one revalidation runs; stale-if-error serves on failure, only where allowed', async t => {
  const f = await lab(t)
  // The app takes 200 ms over these: the ten requests below all come while the revalidation is at the app.
  const swr = '&cc=max-age%3D1%2C%20stale-while-revalidate%3D30&delay=200'
  const sie = '&cc=max-age%3D1%2C%20stale-if-error%3D30'
  const must = '&cc=max-age%3D1%2C%20must-revalidate%2C%20stale-if-error%3D30'
  const first = await f.doc('swr', swr)
  const keep = await f.doc('keep', swr)
  const allowed = await f.doc('sie', sie)
  const slow = await f.doc('hang', sie)
  await f.doc('must', must)
  const asked = await f.doc('asked')
  await f.doc('plain')
  await f.control('swr', '&version=2')
  for (const id of ['keep', 'sie', 'must', 'asked', 'plain']) await f.control(id, '&fail=503')
  await sleep(PAST_FRESHNESS_MS)

  // The app has version 2 now: a version 1 body can only be the stale entry.
  const stale = await Promise.all(Array.from({ length: 10 }, async () => await f.doc('swr', swr)))
  for (const r of stale) {
    assert.equal(r.body, first.body, 'the stale entry')
    assert.ok(Number(r.headers.age) >= 1, `Age ${String(r.headers.age)}`)
  }
  let renewed: Reply
  let staleAgain = -1
  const deadline = Date.now() + 3000
  do {
    await sleep(50)
    renewed = await f.doc('swr', swr)
    staleAgain++
  } while (!/version=2/.test(renewed.body) && Date.now() < deadline)
  assert.match(renewed.body, /version=2/, 'the background revalidation stored the new version')
  assert.equal(renewed.headers.age, '0')
  assert.deepEqual(await f.arrivals('swr'), { arrivals: 2, conditional: 1, ifNoneMatch: [null, '"v1"'] }, 'exactly one revalidation')

  // A background revalidation the app fails ends nothing: the stale entry is still served, and the next request
  // starts the next revalidation (a third arrival) only once the failed one is over.
  let keptServed = 0
  for (const until = Date.now() + 3000; (await f.arrivals('keep')).arrivals < 3 && Date.now() < until; keptServed++) {
    const kept = await f.doc('keep', swr)
    assert.equal(kept.status, 200, 'not the 503')
    assert.equal(kept.body, keep.body)
    await sleep(50)
  }
  assert.equal((await f.arrivals('keep')).arrivals, 3)

  const served = await f.doc('sie', sie)
  assert.equal(served.status, 200, 'the response allowed it: the stale entry, not the 503')
  assert.equal(served.body, allowed.body)
  assert.ok(Number(served.headers.age) >= 1)
  assert.equal((await f.doc('must', must)).status, 503, 'must-revalidate: never stale')
  assert.equal((await f.doc('plain')).status, 503, 'no stale-if-error: the error passes')
  const byRequest = await f.doc('asked', '', { 'cache-control': 'stale-if-error=60' })
  assert.equal(byRequest.status, 200, 'the request\'s own stale-if-error is honoured')
  assert.equal(byRequest.body, asked.body)
  const s = await f.cacheStats()
  assert.equal(s.stale_served, 10 + staleAgain + keptServed + 2, 'the stale-while-revalidate answers and the two on error')

  // The process dies on the request: Ferry's own 502 is replaced by the stale entry just the same.
  await f.control('sie', '&fail=exit')
  const crashed = await f.doc('sie', sie)
  assert.equal(crashed.status, 200)
  assert.equal(crashed.body, allowed.body)
  // The app does not answer within --max-request-time (1 s): Ferry's 504 is replaced too. (First the crashed
  // process is replaced: the control request waits for that.)
  for (const until = Date.now() + 5000; (await get(`${f.url}/control?id=hang&fail=hang`)).status !== 200 && Date.now() < until;) await sleep(50)
  const timedOut = await f.doc('hang', sie)
  assert.equal(timedOut.status, 200)
  assert.equal(timedOut.body, slow.body)
})
