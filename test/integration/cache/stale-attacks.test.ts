// Attacks on the turbocache's revalidation and fills through a real Ferry and a real app (stale-attack-lab): what a
// 304 may do to a stored entry, and what a fill may store once the entry it would replace was invalidated or purged.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { chmodSync, cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore, type InProcessCore } from '../../helpers/core.js'
import { get, rawExchange, type Reply } from '../../helpers/http.js'
import { adminClient, instanceDirIn, type AdminCall } from '../../helpers/instance.js'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Past max-age=1 (Age counts whole seconds, so a little more than one). */
const PAST_FRESHNESS_MS = 1100

interface Lab extends InProcessCore {
  doc: (id: string, query?: string, init?: { method?: string, headers?: Record<string, string>, signal?: AbortSignal }) => Promise<Reply>
  control: (id: string, query: string) => Promise<void>
  arrivals: (id: string) => Promise<number>
  admin: (path: string, o?: { method?: string, account?: 'admin', body?: string }) => Promise<AdminCall>
}

async function lab (t: TestContext): Promise<Lab> {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('stale-attack-lab'), ['--max-pool-size', '1'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  return Object.assign(f, {
    doc: async (id: string, query = '', init: { method?: string, headers?: Record<string, string>, signal?: AbortSignal } = {}) => await get(`${f.url}/doc?id=${id}${query}`, init),
    control: async (id: string, query: string) => { assert.equal((await get(`${f.url}/control?id=${id}${query}`)).status, 200) },
    arrivals: async (id: string) => (JSON.parse((await get(`${f.url}/arrivals?id=${id}`)).body) as { arrivals: number }).arrivals,
    admin: call
  })
}

const q = (v: unknown): string => encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))

test('a 304 carrying Set-Cookie answers its own client with the cookie and does not renew the shared entry', async t => {
  const f = await lab(t)
  const first = await f.doc('sc')
  await f.control('sc', `&h304=${q({ 'Set-Cookie': 'session=alice' })}`)
  await sleep(PAST_FRESHNESS_MS)
  const own = await f.doc('sc')
  assert.equal(own.status, 200)
  assert.equal(own.body, first.body, 'the stored body, confirmed by the 304')
  assert.equal(own.headers['set-cookie'], 'session=alice', 'the cookie the app set for this client reaches it')
  const next = await f.doc('sc')
  assert.equal(next.headers['set-cookie'], undefined)
  assert.equal(await f.arrivals('sc'), 3, 'the entry was not renewed as shareable: the next request reached the app')
})

test('a 304 that makes the response private ends the shared entry', async t => {
  const f = await lab(t)
  await f.doc('pv')
  await f.control('pv', `&h304=${q({ 'Cache-Control': 'private, max-age=60' })}`)
  await sleep(PAST_FRESHNESS_MS)
  assert.equal((await f.doc('pv')).status, 200)
  await f.doc('pv')
  assert.equal(await f.arrivals('pv'), 3, 'not served from the cache after it said private')
})

test('a 304 naming another ETag does not renew the stored entry: the client gets the current response', async t => {
  const f = await lab(t)
  const first = await f.doc('mm')
  assert.equal(first.headers.etag, '"v1"')
  await f.control('mm', `&version=2&etag304=${q('"v2"')}`)
  await sleep(PAST_FRESHNESS_MS)
  const r = await f.doc('mm')
  assert.equal(r.status, 200)
  assert.ok(!(r.body === first.body && r.headers.etag === '"v2"'), `version 1's body under version 2's ETag: ${r.body}`)
  assert.match(r.body, /^version=2/, 'the current version, asked for without the stale validator')
  const again = await f.doc('mm')
  assert.match(again.body, /^version=2/)
})

test('a fill that was at the app when its URL was invalidated (unsafe method) or purged is not stored', async t => {
  const f = await lab(t)
  const slow = '&cc=max-age%3D60&delay=700'
  for (const [id, invalidate] of [
    ['post', async () => { assert.equal((await f.doc('post', slow, { method: 'POST' })).status, 200) }],
    ['purge', async () => {
      await f.control('purge', '&version=2')
      const r = await f.admin('/cache/purge.json', { method: 'POST', account: 'admin', body: JSON.stringify({ all: true }) })
      assert.equal(r.status, 200, r.body)
    }]
  ] as const) {
    const filling = f.doc(id, slow)
    await sleep(250)
    await invalidate()
    const old = await filling
    assert.match(old.body, /^version=1/, 'the fill carries what the app had before')
    const after = await f.doc(id, slow)
    assert.match(after.body, /^version=2/, `${id}: the response obtained before the invalidation was not kept`)
  }
})

test('an unsafe request the app acted on invalidates even when its client left before the answer', async t => {
  const f = await lab(t)
  const url = '&cc=max-age%3D60&postDelay=600'
  assert.match((await f.doc('gone', url)).body, /^version=1/)
  assert.match((await f.doc('gone', url)).body, /^version=1/, 'a hit')
  await assert.rejects(f.doc('gone', url, { method: 'POST', signal: AbortSignal.timeout(200) }))
  await sleep(700)
  assert.match((await f.doc('gone', url)).body, /^version=2/, 'the app made version 2: the old entry must not be served')
})

/** The status of a GET to `url` once its head arrives; -1 when none came within `ms`. */
async function headWithin (url: string, ms: number): Promise<number> {
  return await new Promise(resolve => {
    const r = request(url, res => { resolve(res.statusCode ?? 0); r.destroy() })
    r.setTimeout(ms, () => { r.destroy(); resolve(-1) })
    r.on('error', () => resolve(-2))
    r.end()
  })
}

test('requests collapsed on a leader whose cacheable body never ends are not held for ever', async t => {
  const f = await lab(t)
  const url = `${f.url}/doc?id=drip&mode=drip&cc=max-age%3D60`
  const leader = request(url, res => res.resume())
  leader.on('error', () => {})
  leader.end()
  await sleep(300)
  // Waits FOLLOW_TIMEOUT_MS (5 s), then goes to the app itself; the bound here only tells "for ever" apart.
  const status = await headWithin(url, 12_000)
  leader.destroy()
  assert.equal(status, 200, 'the follower got an answer')
})

test('the app process killed during a collapsed miss: every waiting client still gets an answer', async t => {
  const f = await lab(t)
  const dir = tmpDir(t)
  chmodSync(dir, 0o777) // the app may run as an unprivileged user: it writes the marker here
  const url = `/doc?id=kill&mode=exit-once&marker=${join(dir, 'killed')}&delay=300&cc=max-age%3D60`
  const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await get(`${f.url}${url}`, { signal: AbortSignal.timeout(20_000) })).status))
  // The leader's own request killed its process (502); those waiting on it went to the app themselves, and got
  // the next process's answer, or, when the pool took the death for a crash loop (a process that dies within
  // EARLY_DEATH_MS of starting: on a busy machine the followers may reach the group while it backs off), the same
  // error page as any request queued for that app. None is left hanging (the signal above bounds each at 20 s).
  assert.ok(statuses.includes(502), JSON.stringify(statuses))
  assert.ok(statuses.every(s => s === 200 || s === 502 || s === 503), JSON.stringify(statuses))
})

test('a Range or conditional miss does not lead the others: its 206/304 cannot serve them', async t => {
  const f = await lab(t)
  for (const [id, headers] of [['ranged', { range: 'bytes=0-3' }], ['cond', { 'if-none-match': '"v1"' }]] as const) {
    const url = '&cc=max-age%3D60&delay=400'
    const own = f.doc(id, url, { headers })
    await sleep(100)
    const rest = await Promise.all(Array.from({ length: 5 }, async () => await f.doc(id, url)))
    assert.equal((await own).status, id === 'ranged' ? 206 : 304)
    for (const r of rest) assert.equal(r.status, 200)
    assert.equal(await f.arrivals(id), 2, `${id}: its own request, and one for the five others`)
  }
})

test('a rolling restart: what the old processes answer while it rolls is not stored past the deploy', async t => {
  const app = join(tmpDir(t), 'app')
  cpSync(fixtureApp('stale-attack-lab'), app, { recursive: true })
  mkdirSync(join(app, 'tmp'))
  const f = await startCore(t, app, ['--rolling-restarts', '--stat-throttle-rate', '1'], { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) })
  const url = `${f.url}/doc?id=roll&cc=max-age%3D60`
  assert.match((await get(url)).body, /deployed=1/)
  writeFileSync(join(app, 'version.txt'), '2')
  const file = join(app, 'tmp', 'restart.txt')
  writeFileSync(file, '')
  const when = new Date(Date.now() + 5000)
  utimesSync(file, when, when)
  await sleep(1400)
  // The restart starts here: the new process is being started, the old one answers meanwhile.
  assert.match((await get(url)).body, /deployed=1/, 'served by the old process while the new one starts')
  let last = ''
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(200)) {
    last = (await get(url)).body
    if (/deployed=2/.test(last)) break
  }
  assert.match(last, /deployed=2/, 'once the new version serves, the old version\'s answer is not served from the cache')
})

test('a 304 that adds Vary or framing and hop-by-hop fields: later hits keep their framing and the new Vary', async t => {
  const f = await lab(t)
  const first = await f.doc('vy')
  const framed = await f.doc('fr')
  await f.control('vy', `&h304=${q({ Vary: 'Accept-Language' })}`)
  await f.control('fr', `&h304=${q({ 'Content-Length': '3', 'Keep-Alive': 'timeout=1', Connection: 'X-Evil', 'X-Evil': '1', 'X-Renewed': 'yes' })}`)
  await sleep(PAST_FRESHNESS_MS)
  const fr = { 'accept-language': 'fr' }
  assert.equal((await f.doc('vy', '', { headers: fr })).body, first.body, 'renewed for the French request')
  assert.equal((await f.doc('vy', '', { headers: fr })).body, first.body)
  assert.equal(await f.arrivals('vy'), 2, 'the French variant is a hit')
  await f.doc('vy', '', { headers: { 'accept-language': 'en' } })
  assert.equal(await f.arrivals('vy'), 3, 'another language is not served the French variant')

  assert.equal((await f.doc('fr')).headers['x-renewed'], 'yes', 'renewed by the 304')
  // Raw, so that the framing on the wire is what is checked.
  const host = new URL(f.url).host
  const raw = await rawExchange(f.url, `GET /doc?id=fr HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /doc?id=fr HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
  const answers = raw.split('HTTP/1.1 ').slice(1)
  assert.equal(answers.length, 2, raw)
  for (const a of answers) {
    assert.match(a, /^200 /)
    assert.match(a, /\r\nX-Renewed: yes\r\n/i, 'a hit from the renewed entry')
    assert.match(a, new RegExp(`\\r\\ncontent-length: ${Buffer.byteLength(framed.body)}\\r\\n`, 'i'))
    assert.doesNotMatch(a, /\r\n(x-evil|keep-alive: timeout=1)/i)
    assert.ok(a.endsWith(framed.body), a)
  }
})

test('stale-while-revalidate does not queue background requests ahead of clients (nor fill the queue)', async t => {
  const f = await startCore(t, fixtureApp('stale-attack-lab'), ['--max-pool-size', '1', '--concurrency', '1', '--max-request-queue-size', '2'])
  const swr = '&cc=max-age%3D1%2C%20stale-while-revalidate%3D30&delay=400'
  const ids = ['a', 'b', 'c', 'd']
  for (const id of ids) await get(`${f.url}/doc?id=${id}${swr}`)
  await sleep(PAST_FRESHNESS_MS)
  // Each is served stale at once; behind them, background revalidations for a process that takes one at a time.
  for (const r of await Promise.all(ids.map(async id => await get(`${f.url}/doc?id=${id}${swr}`)))) assert.equal(r.status, 200)
  const client = await get(`${f.url}/doc?id=client&delay=10`)
  assert.equal(client.status, 200, 'a client is not refused (or queued) because of revalidations no one waits for')
})
