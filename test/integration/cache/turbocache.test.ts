// The turbocache's safety rules, each shown by real requests through a real Ferry to a real app. The app puts a
// fresh serial number in every body, so a repeated serial means the answer came from the cache.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry, type RunningFerry } from '../../helpers/ferry.js'
import { get } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

const serial = (body: string): number => Number(/serial=(\d+)/.exec(body)?.[1] ?? NaN)

async function cacheLab (t: TestContext, args: string[] = []): Promise<RunningFerry & { cacheStats: () => Promise<Record<string, number>>, processed: () => Promise<number>, restart: () => Promise<void> }> {
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('cache-lab'), args, { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  const cacheStats = async (): Promise<Record<string, number>> =>
    (JSON.parse((await call('/server.json')).body) as { thread1: { turbocaching: Record<string, number> } }).thread1.turbocaching
  const processed = async (): Promise<number> =>
    (JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ processes: Array<{ processed: number }> }> } })
      .pool.groups.flatMap(g => g.processes).reduce((n, p) => n + p.processed, 0)
  const restart = async (): Promise<void> => {
    const r = await call('/pool/restart_app_group.json', { method: 'POST', account: 'admin', body: JSON.stringify({ name: fixtureApp('cache-lab'), restart_method: 'blocking' }) })
    assert.equal(r.status, 200, r.body)
    assert.deepEqual(JSON.parse(r.body), { restarted: true })
  }
  return Object.assign(f, { cacheStats, processed, restart })
}

/** Two requests; true when the second was answered from the cache. */
async function servedTwiceFromCache (url: string, first: Record<string, string> = {}, second: Record<string, string> = first): Promise<boolean> {
  const a = await get(url, { headers: first })
  const b = await get(url, { headers: second })
  return serial(a.body) === serial(b.body)
}

test('a response with explicit freshness is stored and served with Age; the pool is not touched', async t => {
  const f = await cacheLab(t)
  const a = await get(`${f.url}/public`)
  const before = await f.processed()
  const b = await get(`${f.url}/public`)
  for (let i = 0; i < 5; i++) await get(`${f.url}/public`)
  assert.equal(await f.processed(), before, 'hits never reach an app process')
  assert.equal(serial(a.body), serial(b.body))
  assert.match(String(b.headers.age), /^\d+$/)
  assert.equal(b.headers['set-cookie'], undefined)
  const s = await f.cacheStats()
  assert.equal(s.hits, 6)
  assert.equal(s.store_successes, 1)
  assert.ok(await servedTwiceFromCache(`${f.url}/s-maxage`), 's-maxage beats max-age=0')
  assert.ok(await servedTwiceFromCache(`${f.url}/expires`), 'Expires is explicit freshness')
})

test('never stored: no caching headers, private, Set-Cookie, Vary, uncacheable status, too large', async t => {
  const f = await cacheLab(t)
  assert.equal(await servedTwiceFromCache(`${f.url}/plain`), false, 'no caching headers')
  assert.equal(await servedTwiceFromCache(`${f.url}/set-cookie`), false, 'Set-Cookie')
  assert.equal(await servedTwiceFromCache(`${f.url}/vary`), false, 'Vary')
  assert.equal(await servedTwiceFromCache(`${f.url}/teapot`), false, '418 is not cacheable by default')
  const big1 = await get(`${f.url}/big?kb=2048`)
  assert.equal(big1.body.length, 2048 * 1024, 'a large response streams through whole')
  const s = await f.cacheStats()
  assert.equal(s.store_successes, 0)
  assert.equal(s.entries, 0)
})

test('a private response for user A is never served to user B', async t => {
  const f = await cacheLab(t)
  const a = await get(`${f.url}/private`, { headers: { cookie: 'user=alice' } })
  const b = await get(`${f.url}/private`, { headers: { cookie: 'user=bob' } })
  assert.match(a.body, /user=alice/)
  assert.match(b.body, /user=bob/)
  assert.doesNotMatch(b.body, /alice/)
})

test('a response to a request with Authorization is never served to another request', async t => {
  const f = await cacheLab(t)
  const a = await get(`${f.url}/public?x=auth`, { headers: { authorization: 'Bearer alice-token' } })
  const b = await get(`${f.url}/public?x=auth`)
  assert.notEqual(serial(a.body), serial(b.body))
})

test('vary by cookie: A\'s page never reaches B, anonymous visitors share, other cookies are ignored', async t => {
  const f = await cacheLab(t, ['--vary-turbocache-by-cookie', 'user'])
  const alice = await get(`${f.url}/user`, { headers: { cookie: 'user=alice; tracking=1' } })
  const bob = await get(`${f.url}/user`, { headers: { cookie: 'user=bob; tracking=1' } })
  assert.match(alice.body, /user=alice/)
  assert.match(bob.body, /user=bob/)
  const alice2 = await get(`${f.url}/user`, { headers: { cookie: 'tracking=2; user=alice' } })
  assert.equal(serial(alice2.body), serial(alice.body), 'same user, different other cookie: shared')
  const anon1 = await get(`${f.url}/user`, { headers: { cookie: 'tracking=3' } })
  const anon2 = await get(`${f.url}/user`)
  assert.match(anon1.body, /user=anonymous/)
  assert.equal(serial(anon1.body), serial(anon2.body), 'anonymous visitors share one entry')
})

test('two Hosts never share an entry; the query string is part of the key', async t => {
  const f = await cacheLab(t)
  const a = await get(`${f.url}/public`, { headers: { host: 'a.example' } })
  const b = await get(`${f.url}/public`, { headers: { host: 'b.example' } })
  assert.notEqual(serial(a.body), serial(b.body))
  assert.match(b.body, /host=b\.example/)
  const q1 = await get(`${f.url}/public?page=1`)
  const q2 = await get(`${f.url}/public?page=2`)
  assert.notEqual(serial(q1.body), serial(q2.body))
  assert.equal(serial((await get(`${f.url}/public?page=1`)).body), serial(q1.body))
})

test('POST invalidates the URL; no-cache requests go to the app and refresh the entry', async t => {
  const f = await cacheLab(t)
  const first = await get(`${f.url}/public`)
  assert.equal(serial((await get(`${f.url}/public`)).body), serial(first.body))
  assert.equal((await get(`${f.url}/public`, { method: 'POST', body: 'x' })).status, 200)
  const after = await get(`${f.url}/public`)
  assert.notEqual(serial(after.body), serial(first.body), 'POST dropped the entry')
  const bypass = await get(`${f.url}/public`, { headers: { 'cache-control': 'no-cache' } })
  assert.notEqual(serial(bypass.body), serial(after.body), 'no-cache goes to the app')
  assert.equal(serial((await get(`${f.url}/public`)).body), serial(bypass.body), 'and its response refreshed the entry')
  const pragma = await get(`${f.url}/public`, { headers: { pragma: 'no-cache' } })
  assert.notEqual(serial(pragma.body), serial(bypass.body))
})

test('entries expire on time; HEAD is answered from a stored GET without a body', async t => {
  const f = await cacheLab(t)
  const a = await get(`${f.url}/public?max-age=1`)
  const head = await get(`${f.url}/public?max-age=1`, { method: 'HEAD' })
  assert.equal(head.status, 200)
  assert.equal(head.body, '')
  assert.equal(head.headers['content-length'], String(Buffer.byteLength(a.body)))
  assert.equal(serial((await get(`${f.url}/public?max-age=1`)).body), serial(a.body))
  await new Promise(resolve => setTimeout(resolve, 1300))
  assert.notEqual(serial((await get(`${f.url}/public?max-age=1`)).body), serial(a.body), 'stale entries are never served')
})

test('stale and no-cache entries are kept for revalidation but never served as they are', async t => {
  const f = await cacheLab(t)
  assert.equal(await servedTwiceFromCache(`${f.url}/no-cache-etag`), false, 'no-cache: every use asks the app')
  const s = await f.cacheStats()
  assert.equal(s.store_successes, 2, 'each answer replaced the entry')
  assert.equal(s.entries, 1)
  const a = await get(`${f.url}/public?max-age=1&etag=1`)
  assert.equal(serial((await get(`${f.url}/public?max-age=1&etag=1`)).body), serial(a.body))
  await new Promise(resolve => setTimeout(resolve, 1300))
  assert.equal((await f.cacheStats()).entries, 2, 'the stale entry with an ETag is kept')
  const after = await get(`${f.url}/public?max-age=1&etag=1`)
  assert.notEqual(serial(after.body), serial(a.body), 'but not served')
  assert.equal(after.headers.age, undefined)
})

test('eviction keeps the cache under its memory bound', async t => {
  const f = await cacheLab(t, ['--turbocache-size', String(256 * 1024)])
  for (let i = 0; i < 40; i++) await get(`${f.url}/big?kb=16&i=${i}`)
  const s = await f.cacheStats()
  assert.ok(s.bytes <= 256 * 1024, `cache holds ${s.bytes} bytes`)
  assert.ok(s.evictions > 0)
  assert.ok(s.entries > 0 && s.entries < 40)
})

test('--disable-turbocaching: nothing is stored', async t => {
  const f = await cacheLab(t, ['--disable-turbocaching'])
  assert.equal(await servedTwiceFromCache(`${f.url}/public`), false)
  assert.deepEqual(await f.cacheStats(), { enabled: false })
})

test('a restart (a deploy) drops the app\'s entries: the next request is answered by the new process', async t => {
  const f = await cacheLab(t)
  assert.equal(await servedTwiceFromCache(`${f.url}/public`), true)
  await f.restart()
  const after = await get(`${f.url}/public`)
  assert.equal(after.status, 200)
  assert.equal(after.headers.age, undefined, 'a miss: no Age, the response came from the app')
  assert.equal(serial(after.body), 1, 'the first response of the new process')
  assert.equal(await servedTwiceFromCache(`${f.url}/public`), true, 'and it is cached again')
})
