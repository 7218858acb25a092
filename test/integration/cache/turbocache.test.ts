// The turbocache's safety rules, each shown by real requests through a real Ferry to a real app. The app puts a
// fresh serial number in every body, so a repeated serial means the answer came from the cache.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore, type InProcessCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'
import { Client } from 'undici'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

const serial = (body: string): number => Number(/serial=(\d+)/.exec(body)?.[1] ?? NaN)

async function cacheLab (t: TestContext, args: string[] = []): Promise<InProcessCore & { cacheStats: () => Promise<Record<string, number>>, processed: () => Promise<number>, restart: () => Promise<void> }> {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('cache-lab'), args, { FERRY_INSTANCE_REGISTRY_DIR: registry })
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

test('hits on a kept-alive connection (written from a kept wire form) carry an Age that moves on', async t => {
  const f = await cacheLab(t)
  const client = new Client(f.url)
  t.after(async () => { await client.close() })
  const ask = async (method: 'GET' | 'HEAD' = 'GET'): Promise<{ headers: Record<string, unknown>, body: string }> => {
    const r = await client.request({ path: '/public', method })
    return { headers: r.headers, body: await r.body.text() }
  }
  const miss = await ask()
  const first = await ask()
  assert.equal(first.body, miss.body, 'a hit')
  assert.equal(first.headers.connection, 'keep-alive')
  assert.equal(first.headers['content-length'], String(Buffer.byteLength(first.body)))
  // Past a second boundary of the entry's age, the kept form must be rebuilt, not reused.
  await new Promise(resolve => setTimeout(resolve, 1100))
  const later = await ask()
  assert.equal(later.body, miss.body)
  assert.ok(Number(later.headers.age) > Number(first.headers.age), `Age ${String(first.headers.age)} then ${String(later.headers.age)}`)
  assert.equal(later.headers.date, miss.headers.date, 'the app\'s own Date is stored and sent as it came (Age tells how old)')
  const head = await ask('HEAD')
  assert.equal(head.body, '')
  assert.equal(head.headers['content-length'], String(Buffer.byteLength(miss.body)))
  assert.equal((await f.cacheStats()).hits, 3)
})

test('never stored: no caching headers, private, Set-Cookie, Vary, partial content, too large', async t => {
  const f = await cacheLab(t)
  assert.equal(await servedTwiceFromCache(`${f.url}/plain`), false, 'no caching headers')
  assert.equal(await servedTwiceFromCache(`${f.url}/set-cookie`), false, 'Set-Cookie')
  assert.equal(await servedTwiceFromCache(`${f.url}/vary?on=*`), false, 'Vary: *')
  assert.equal(await servedTwiceFromCache(`${f.url}/cc?status=206`), false, '206 is never stored')
  assert.equal(await servedTwiceFromCache(`${f.url}/cc?status=500&cc=no-store,max-age=60`), false, 'no-store')
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
  const a = await get(`${f.url}/user?x=auth`, { headers: { authorization: 'Bearer alice-token' } })
  const b = await get(`${f.url}/user?x=auth`)
  assert.notEqual(serial(a.body), serial(b.body))
})

test('unless it says public or s-maxage (RFC 9111 §3.5); Authorization itself always reaches the app', async t => {
  const f = await cacheLab(t)
  for (const url of ['/public?x=auth', '/s-maxage?x=auth']) {
    const a = await get(`${f.url}${url}`, { headers: { authorization: 'Bearer alice-token' } })
    const b = await get(`${f.url}${url}`)
    assert.equal(serial(b.body), serial(a.body), `${url}: shared`)
    const c = await get(`${f.url}${url}`, { headers: { authorization: 'Bearer bob-token' } })
    assert.notEqual(serial(c.body), serial(a.body), `${url}: a request with credentials is answered by the app`)
  }
  const anon = await get(`${f.url}/user?x=kept`)
  const alice = await get(`${f.url}/user?x=kept`, { headers: { authorization: 'Bearer alice-token' } })
  assert.notEqual(serial(alice.body), serial(anon.body))
  assert.equal(serial((await get(`${f.url}/user?x=kept`)).body), serial(anon.body), 'a refused answer to credentials does not drop what others share')
})

test('any final status with explicit freshness is stored; must-revalidate and proxy-revalidate are stored too', async t => {
  const f = await cacheLab(t)
  for (const status of [301, 302, 307, 308, 404, 410, 418, 500, 503]) {
    assert.ok(await servedTwiceFromCache(`${f.url}/cc?status=${status}`), String(status))
  }
  assert.ok(await servedTwiceFromCache(`${f.url}/teapot`), '418 with max-age')
  assert.ok(await servedTwiceFromCache(`${f.url}/cc?cc=${encodeURIComponent('max-age=60, must-revalidate')}`), 'must-revalidate, while fresh')
  assert.ok(await servedTwiceFromCache(`${f.url}/cc?cc=${encodeURIComponent('max-age=60, proxy-revalidate')}`), 'proxy-revalidate, while fresh')
  assert.equal(await servedTwiceFromCache(`${f.url}/cc?status=500&cc=no-cache`), false, 'no-cache without a validator')
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

test('any unsafe method with a non-error answer invalidates, whatever its name (M-SEARCH, PROPPATCH)', async t => {
  const f = await cacheLab(t)
  for (const method of ['M-SEARCH', 'PROPPATCH']) {
    const first = await get(`${f.url}/public?m=${method}`)
    assert.equal(serial((await get(`${f.url}/public?m=${method}`)).body), serial(first.body))
    assert.equal((await get(`${f.url}/public?m=${method}`, { method })).status, 200)
    assert.notEqual(serial((await get(`${f.url}/public?m=${method}`)).body), serial(first.body), `${method} dropped the entry`)
  }
})

test('Expires is read strictly: a malformed date means already expired', async t => {
  const f = await cacheLab(t)
  const later = new Date(Date.now() + 3600_000)
  const valid = later.toUTCString()
  assert.ok(await servedTwiceFromCache(`${f.url}/expires-raw?v=${encodeURIComponent(valid)}`), 'an IMF-fixdate is cached')
  for (const bad of [valid.replace('GMT', 'UTC'), valid.replace(',', ''), valid.replace(' ', '  '), 'Thu, 18 Aug 2050 2:01:18 GMT']) {
    assert.equal(await servedTwiceFromCache(`${f.url}/expires-raw?v=${encodeURIComponent(bad)}`), false, bad)
  }
})

test('hop-by-hop fields and those named in Connection are never stored nor replayed', async t => {
  const f = await cacheLab(t)
  const a = await get(`${f.url}/hop`)
  const b = await get(`${f.url}/hop`)
  assert.equal(serial(a.body), serial(b.body), 'the hit')
  assert.equal(b.headers['x-kept'], 'yes')
  assert.equal(b.headers['x-per-hop'], undefined)
  assert.equal(b.headers['proxy-connection'], undefined)
  assert.doesNotMatch(String(b.headers.connection ?? ''), /x-per-hop/i)
})

test('Ferry-Cache-Control beats CDN-Cache-Control beats Cache-Control; Ferry-Cache-Control never reaches clients', async t => {
  const f = await cacheLab(t)
  const q = (o: Record<string, string>): string => `${f.url}/targeted?${new URLSearchParams(o).toString()}`
  const inFerryOnly = q({ cc: 'no-store', ferry: 'max-age=60' })
  const miss = await get(inFerryOnly)
  const hit = await get(inFerryOnly)
  assert.equal(serial(hit.body), serial(miss.body), 'stored though Cache-Control says no-store')
  for (const r of [miss, hit]) {
    assert.equal(r.headers['ferry-cache-control'], undefined)
    assert.equal(r.headers['cache-control'], 'no-store', 'browsers still told not to store')
  }
  assert.equal(await servedTwiceFromCache(q({ cc: 'max-age=60', cdn: 'no-store' })), false, 'CDN-Cache-Control beats Cache-Control')
  assert.equal(await servedTwiceFromCache(q({ cdn: 'max-age=60', ferry: 'no-store' })), false, 'Ferry-Cache-Control beats CDN-Cache-Control')
  assert.ok(await servedTwiceFromCache(q({ cc: 'no-store', cdn: 'max-age=60' })), 'CDN-Cache-Control alone')
  assert.ok(await servedTwiceFromCache(q({ cc: 'max-age=60', ferry: 'max-age =60' })), 'an invalid Ferry-Cache-Control is ignored')
  const passed = q({ cc: 'max-age=60', cdn: 'max-age=30' })
  for (const r of [await get(passed), await get(passed)]) assert.equal(r.headers['cdn-cache-control'], 'max-age=30', 'CDN-Cache-Control is passed on')
})

test('Vary: one variant per normalised value of the headers it names; absent and empty differ; bounded per URL', async t => {
  const f = await cacheLab(t)
  const url = `${f.url}/vary?on=${encodeURIComponent('Accept-Language, X-Theme')}`
  const fr = await get(url, { headers: { 'accept-language': 'fr, en;q=0.5' } })
  const de = await get(url, { headers: { 'accept-language': 'de' } })
  assert.notEqual(serial(de.body), serial(fr.body))
  assert.equal(serial((await get(url, { headers: { 'accept-language': 'fr ,  en;q=0.5' } })).body), serial(fr.body), 'whitespace-normalised')
  assert.equal(serial((await get(url, { headers: { 'accept-language': 'de' } })).body), serial(de.body))
  assert.equal(fr.headers.vary, 'Accept-Language, X-Theme')
  const none = await get(url)
  const empty = await get(url, { headers: { 'accept-language': '' } })
  assert.notEqual(serial(none.body), serial(empty.body), 'an absent header is not an empty one')
  assert.equal(serial((await get(url)).body), serial(none.body))
  const dark = await get(url, { headers: { 'accept-language': 'de', 'x-theme': 'dark' } })
  assert.notEqual(serial(dark.body), serial(de.body), 'every named header counts')
  const before = (await f.cacheStats()).entries
  for (let i = 0; i < 20; i++) await get(url, { headers: { 'accept-language': `l${i}` } })
  assert.equal((await f.cacheStats()).entries - before, 16 - 5, 'at most 16 variants per URL, the oldest dropped')
  const lang = `${f.url}/vary?on=Accept-Language&x=2`
  const a = await get(lang, { headers: { 'accept-language': 'a' } })
  const b = await get(lang, { headers: { 'accept-language': 'b' } })
  assert.equal((await get(lang, { method: 'POST', body: 'x' })).status, 200)
  assert.notEqual(serial((await get(lang, { headers: { 'accept-language': 'a' } })).body), serial(a.body), 'a write drops every variant')
  assert.notEqual(serial((await get(lang, { headers: { 'accept-language': 'b' } })).body), serial(b.body))
})

test('Vary and --vary-turbocache-by-cookie together: each user has their own variants', async t => {
  const f = await cacheLab(t, ['--vary-turbocache-by-cookie', 'user'])
  const url = `${f.url}/vary?on=Accept-Language`
  const aliceFr = await get(url, { headers: { cookie: 'user=alice', 'accept-language': 'fr' } })
  const bobFr = await get(url, { headers: { cookie: 'user=bob', 'accept-language': 'fr' } })
  const aliceDe = await get(url, { headers: { cookie: 'user=alice', 'accept-language': 'de' } })
  assert.match(bobFr.body, /user=bob/)
  assert.notEqual(serial(aliceDe.body), serial(aliceFr.body))
  assert.equal(serial((await get(url, { headers: { cookie: 'user=alice; x=1', 'accept-language': 'fr' } })).body), serial(aliceFr.body))
  assert.equal(serial((await get(url, { headers: { cookie: 'user=bob', 'accept-language': 'fr' } })).body), serial(bobFr.body))
})

test('a client\'s If-None-Match / If-Modified-Since on a fresh entry gets a 304 from the cache', async t => {
  const f = await cacheLab(t)
  const url = `${f.url}/public?etag=1&lm=1`
  const full = await get(url)
  const before = await f.processed()
  const notModified = async (headers: Record<string, string>): Promise<boolean> => {
    const r = await get(url, { headers })
    if (r.status === 200) { assert.equal(serial(r.body), serial(full.body)); return false }
    assert.equal(r.status, 304, JSON.stringify(headers))
    assert.equal(r.body, '')
    assert.equal(r.headers.etag, '"v1"')
    assert.equal(r.headers['cache-control'], 'public, max-age=60')
    assert.equal(r.headers['last-modified'], 'Sun, 01 Nov 2026 10:00:00 GMT')
    assert.match(String(r.headers.age), /^\d+$/)
    assert.equal(r.headers['content-type'], undefined, 'only the fields RFC 9110 §15.4.5 names')
    return true
  }
  assert.ok(await notModified({ 'if-none-match': '"v1"' }))
  assert.ok(await notModified({ 'if-none-match': 'W/"v1"' }), 'weak comparison')
  assert.ok(await notModified({ 'if-none-match': '"x", "v1"' }))
  assert.ok(await notModified({ 'if-none-match': '*' }))
  assert.equal(await notModified({ 'if-none-match': '"v2"' }), false)
  assert.ok(await notModified({ 'if-modified-since': 'Sun, 01 Nov 2026 10:00:00 GMT' }))
  assert.ok(await notModified({ 'if-modified-since': 'Mon, 02 Nov 2026 10:00:00 GMT' }))
  assert.equal(await notModified({ 'if-modified-since': 'Sat, 31 Oct 2026 10:00:00 GMT' }), false, 'modified since')
  assert.equal(await notModified({ 'if-modified-since': 'Mon, 02 Nov 2026 10:00:00 UTC' }), false, 'not an HTTP-date: ignored')
  assert.equal(await notModified({ 'if-none-match': '"v2"', 'if-modified-since': 'Mon, 02 Nov 2026 10:00:00 GMT' }), false, 'If-None-Match decides alone')
  assert.equal(await f.processed(), before, 'all answered by the cache')
})

test('a single byte range of a stored 200 gets a 206 from the cache; several ranges the full 200; none satisfiable 416', async t => {
  const f = await cacheLab(t)
  const url = `${f.url}/public?etag=1&lm=1&r=1`
  const body = (await get(url)).body
  const len = Buffer.byteLength(body)
  const range = async (headers: Record<string, string>): Promise<{ status: number, body: string, contentRange: unknown }> => {
    const r = await get(url, { headers })
    return { status: r.status, body: r.body, contentRange: r.headers['content-range'] }
  }
  assert.deepEqual(await range({ range: 'bytes=0-4' }), { status: 206, body: body.slice(0, 5), contentRange: `bytes 0-4/${len}` })
  assert.deepEqual(await range({ range: 'bytes=-3' }), { status: 206, body: body.slice(-3), contentRange: `bytes ${len - 3}-${len - 1}/${len}` })
  assert.deepEqual(await range({ range: 'bytes=5-' }), { status: 206, body: body.slice(5), contentRange: `bytes 5-${len - 1}/${len}` })
  assert.deepEqual(await range({ range: 'bytes=2-999999' }), { status: 206, body: body.slice(2), contentRange: `bytes 2-${len - 1}/${len}` })
  assert.deepEqual(await range({ range: 'bytes=0-1,3-4' }), { status: 200, body, contentRange: undefined }, 'multi-range: the full 200')
  assert.deepEqual(await range({ range: 'bytes=4-2' }), { status: 200, body, contentRange: undefined }, 'invalid: ignored')
  assert.deepEqual(await range({ range: 'items=0-1' }), { status: 200, body, contentRange: undefined }, 'another unit')
  assert.deepEqual(await range({ range: `bytes=${len}-` }), { status: 416, body: '', contentRange: `bytes */${len}` })
  assert.deepEqual(await range({ range: 'bytes=0-4', 'if-range': '"v1"' }), { status: 206, body: body.slice(0, 5), contentRange: `bytes 0-4/${len}` })
  assert.deepEqual(await range({ range: 'bytes=0-4', 'if-range': 'Sun, 01 Nov 2026 10:00:00 GMT' }), { status: 206, body: body.slice(0, 5), contentRange: `bytes 0-4/${len}` })
  for (const ifRange of ['"v2"', 'W/"v1"', 'Mon, 02 Nov 2026 10:00:00 GMT']) {
    assert.deepEqual(await range({ range: 'bytes=0-4', 'if-range': ifRange }), { status: 200, body, contentRange: undefined }, ifRange)
  }
  const head = await get(url, { method: 'HEAD', headers: { range: 'bytes=0-4' } })
  assert.equal(head.status, 200, 'HEAD: the full response\'s head')
})

test('entries expire on time; HEAD is answered from a stored GET without a body', async t => {
  const f = await cacheLab(t)
  // max-age=2, not 1: on a busy machine the three requests before the wait can take most of a second.
  const a = await get(`${f.url}/public?max-age=2`)
  const head = await get(`${f.url}/public?max-age=2`, { method: 'HEAD' })
  assert.equal(head.status, 200)
  assert.equal(head.body, '')
  assert.equal(head.headers['content-length'], String(Buffer.byteLength(a.body)))
  assert.equal(serial((await get(`${f.url}/public?max-age=2`)).body), serial(a.body))
  await new Promise(resolve => setTimeout(resolve, 2300))
  assert.notEqual(serial((await get(`${f.url}/public?max-age=2`)).body), serial(a.body), 'stale entries are never served')
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
