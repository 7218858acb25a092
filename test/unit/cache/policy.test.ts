import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ageHeader, invalidations, parseCacheControl, plainResponseRefusal, requestMode, storeDecision, INVALID, storableStatus, type Headers } from '../../../src/core/cache/policy.js'
import { urlKey } from '../../../src/core/cache/key.js'
import { entry } from './store-contract.js'

const NOW = Date.parse('Sat, 28 Nov 2026 12:00:00 GMT')
const HTTP_NOW = new Date(NOW).toUTCString()
const at = (offsetS: number): string => new Date(NOW + offsetS * 1000).toUTCString()
const MiB = 1024 * 1024

function decide (resHeaders: Headers, o: { status?: number, method?: string, req?: Headers, length?: number, now?: number } = {}) {
  return storeDecision({ method: o.method ?? 'GET', url: '/x', headers: { host: 'a', ...o.req } }, { status: o.status ?? 200, headers: resHeaders }, o.now ?? NOW, MiB, o.length)
}
function ttl (resHeaders: Headers, o: Parameters<typeof decide>[1] = {}): number | string {
  const d = decide(resHeaders, o)
  return d.store ? (d.freshness.expiresAt - (o.now ?? NOW)) / 1000 : d.reason
}

test('any final status is stored with explicit freshness but 206 and 304; 1xx never; none without freshness', () => {
  for (const status of [200, 201, 202, 203, 204, 300, 301, 302, 303, 307, 308, 400, 401, 403, 404, 405, 410, 414, 418, 451, 500, 501, 502, 503, 504, 599]) {
    assert.equal(ttl({ 'cache-control': 'max-age=60' }, { status }), 60, String(status))
    assert.equal(ttl({ expires: at(60), date: HTTP_NOW }, { status }), 60, `${status} with Expires`)
    assert.equal(ttl({}, { status }), 'no-freshness', `${status} without freshness: no heuristic`)
    assert.equal(ttl({ 'last-modified': at(-86400) }, { status }), 'no-freshness', `${status} with Last-Modified only: no heuristic`)
  }
  for (const status of [100, 101, 103, 199, 206, 304, 600, 999]) {
    assert.equal(ttl({ 'cache-control': 'max-age=60' }, { status }), 'status', String(status))
    assert.equal(storableStatus(status), false)
  }
})

test('refusals, table-driven', () => {
  const rows: Array<[string, Headers, Parameters<typeof decide>[1], string]> = [
    ['POST', { 'cache-control': 'max-age=60' }, { method: 'POST' }, 'method'],
    ['HEAD is never stored', { 'cache-control': 'max-age=60' }, { method: 'HEAD' }, 'method'],
    ['lowercase method', { 'cache-control': 'max-age=60' }, { method: 'get' }, 'method'],
    ['request no-store', { 'cache-control': 'max-age=60' }, { req: { 'cache-control': 'no-store' } }, 'request-no-store'],
    ['request NO-STORE', { 'cache-control': 'max-age=60' }, { req: { 'cache-control': 'max-age=0, NO-STORE' } }, 'request-no-store'],
    ['Authorization', { 'cache-control': 'max-age=60' }, { req: { authorization: 'Bearer x' } }, 'authorization'],
    ['Authorization, Expires', { expires: at(60), date: HTTP_NOW }, { req: { authorization: 'Bearer x' } }, 'authorization'],
    ['Authorization with must-revalidate but not public (stricter than RFC 9111 §3.5)', { 'cache-control': 'max-age=60, must-revalidate' }, { req: { authorization: 'Bearer x' } }, 'authorization'],
    ['Authorization, empty', { 'cache-control': 'max-age=60' }, { req: { authorization: '' } }, 'authorization'],
    ['Authorization, header name in any case', { 'cache-control': 'max-age=60' }, { req: { Authorization: 'x' } }, 'authorization'],
    ['Authorization, public but private too', { 'cache-control': 'public, private, max-age=60' }, { req: { authorization: 'x' } }, 'private'],
    ['must-understand on a status Ferry does not implement (599)', { 'cache-control': 'max-age=3600, must-understand' }, { status: 599 }, 'status'],
    ['must-understand does not override no-store here', { 'cache-control': 'max-age=60, must-understand, no-store' }, {}, 'no-store'],
    ['Authorization, public on a 206', { 'cache-control': 'public, max-age=60' }, { req: { authorization: 'x' }, status: 206 }, 'status'],
    ['private', { 'cache-control': 'private, max-age=60' }, {}, 'private'],
    ['Private mixed case, spaces', { 'cache-control': '  max-age=60 ,   PriVate  ' }, {}, 'private'],
    ['private="set-cookie"', { 'cache-control': 'max-age=60, private="set-cookie"' }, {}, 'private'],
    ['malformed ;private', { 'cache-control': 'max-age=60;private' }, {}, 'private'],
    ['private in a second header', { 'cache-control': ['max-age=60', 'private'] }, {}, 'private'],
    ['no-store', { 'cache-control': 'no-store' }, {}, 'no-store'],
    ['No-Store with max-age', { 'cache-control': 'max-age=60, No-Store' }, {}, 'no-store'],
    ['no-cache', { 'cache-control': 'no-cache, max-age=60' }, {}, 'no-cache'],
    ['no-cache="set-cookie"', { 'cache-control': 'max-age=60, no-cache="set-cookie"' }, {}, 'no-cache'],
    ['no-cache="a, b" (comma in quotes)', { 'cache-control': 'max-age=60, no-cache="set-cookie, x-foo"' }, {}, 'no-cache'],
    ['NO-CACHE, extra spaces', { 'cache-control': 'max-age=60 ,  NO-CACHE ' }, {}, 'no-cache'],
    ['response Pragma: no-cache', { 'cache-control': 'max-age=60', pragma: 'no-cache' }, {}, 'no-cache'],
    ['no caching headers', {}, {}, 'no-freshness'],
    ['plain 200 with Last-Modified only', { 'last-modified': at(-86400) }, {}, 'no-freshness'],
    ['public alone', { 'cache-control': 'public' }, {}, 'no-freshness'],
    ['must-revalidate alone', { 'cache-control': 'must-revalidate' }, {}, 'no-freshness'],
    ['immutable alone', { 'cache-control': 'immutable' }, {}, 'no-freshness'],
    ['max-age=0', { 'cache-control': 'max-age=0' }, {}, 'no-freshness'],
    ['max-age invalid', { 'cache-control': 'max-age=abc' }, {}, 'no-freshness'],
    ['max-age negative', { 'cache-control': 'max-age=-5' }, {}, 'no-freshness'],
    ['max-age conflicting duplicates', { 'cache-control': 'max-age=60, max-age=120' }, {}, 'no-freshness'],
    ['s-maxage=0 beats max-age', { 'cache-control': 's-maxage=0, max-age=60' }, {}, 'no-freshness'],
    ['Expires in the past', { expires: at(-10), date: HTTP_NOW }, {}, 'no-freshness'],
    ['Expires equal to Date', { expires: HTTP_NOW, date: HTTP_NOW }, {}, 'no-freshness'],
    ['Expires invalid', { expires: 'soon' }, {}, 'no-freshness'],
    ['Expires: 0', { expires: '0' }, {}, 'no-freshness'],
    ['Expires in UTC, not GMT (a lenient parser caches until 2050)', { expires: 'Thu, 18 Aug 2050 02:01:18 UTC' }, {}, 'no-freshness'],
    ['Expires without the comma', { expires: 'Thu 18 Aug 2050 02:01:18 GMT' }, {}, 'no-freshness'],
    ['Expires with doubled spaces', { expires: 'Thu, 18 Aug  2050 02:01:18 GMT' }, {}, 'no-freshness'],
    ['Expires with dashes', { expires: 'Thu, 18-Aug-2050 02:01:18 GMT' }, {}, 'no-freshness'],
    ['Expires with a one-digit hour', { expires: 'Thu, 18 Aug 2050 2:01:18 GMT' }, {}, 'no-freshness'],
    ['Expires in ISO 8601', { expires: '2050-08-18T02:01:18Z' }, {}, 'no-freshness'],
    ['two Expires values', { expires: [at(60), at(120)] }, {}, 'no-freshness'],
    ['Age already past max-age', { 'cache-control': 'max-age=60', age: '60' }, {}, 'no-freshness'],
    ['old document replayed: Date older than max-age', { 'cache-control': 'max-age=60', date: at(-300) }, {}, 'no-freshness'],
    ['Vary: *', { 'cache-control': 'max-age=60', vary: '*' }, {}, 'vary'],
    ['Vary: * among others', { 'cache-control': 'max-age=60', vary: 'Accept, *' }, {}, 'vary'],
    ['Vary: * in a second header', { 'cache-control': 'max-age=60', vary: ['Accept', '*'] }, {}, 'vary'],
    ['Set-Cookie', { 'cache-control': 'public, max-age=60', 'set-cookie': ['a=1'] }, {}, 'set-cookie'],
    ['Set-Cookie as string', { 'cache-control': 'max-age=60', 'set-cookie': 'a=1' }, {}, 'set-cookie'],
    ['too large', { 'cache-control': 'max-age=60' }, { length: MiB + 1 }, 'too-large']
  ]
  for (const [why, headers, o, reason] of rows) assert.deepEqual(decide(headers, o), { store: false, reason }, why)
})

test('explicit freshness is stored, and nothing else is needed', () => {
  const rows: Array<[string, Headers, Parameters<typeof decide>[1], number]> = [
    ['max-age', { 'cache-control': 'max-age=60' }, {}, 60],
    ['MAX-AGE mixed case, spaces', { 'cache-control': '  Public ,  MAX-AGE = 60 ' }, {}, 60],
    ['max-age quoted', { 'cache-control': 'max-age="60"' }, {}, 60],
    ['max-age repeated with the same value', { 'cache-control': 'max-age=60, max-age=60' }, {}, 60],
    ['s-maxage alone', { 'cache-control': 's-maxage=30' }, {}, 30],
    ['s-maxage beats max-age (smaller)', { 'cache-control': 'max-age=60, s-maxage=30' }, {}, 30],
    ['s-maxage beats max-age (larger)', { 'cache-control': 'max-age=60, s-maxage=300' }, {}, 300],
    ['s-maxage beats max-age=0', { 'cache-control': 'max-age=0, s-maxage=30' }, {}, 30],
    ['max-age beats Expires (later)', { 'cache-control': 'max-age=60', expires: at(600), date: HTTP_NOW }, {}, 60],
    ['max-age beats Expires (past)', { 'cache-control': 'max-age=60', expires: at(-600), date: HTTP_NOW }, {}, 60],
    ['max-age beats an invalid Expires', { 'cache-control': 'max-age=60', expires: '0' }, {}, 60],
    ['s-maxage beats Expires', { 'cache-control': 's-maxage=60', expires: at(600), date: HTTP_NOW }, {}, 60],
    ['Expires − Date', { expires: at(120), date: HTTP_NOW }, {}, 120],
    ['Expires − Date, Date in the past: still ends at Expires', { expires: at(100), date: at(-20) }, {}, 100],
    ['Expires − Date, Date in the future (skew): lifetime from Date', { expires: at(100), date: at(20) }, {}, 80],
    ['max-age with Date in the past: apparent age counts', { 'cache-control': 'max-age=60', date: at(-30) }, {}, 30],
    ['max-age with Date in the future: apparent age 0', { 'cache-control': 'max-age=60', date: at(30) }, {}, 60],
    ['apparent age below Age: Age counts', { 'cache-control': 'max-age=60', date: at(-10), age: '25' }, {}, 35],
    ['Date under a second ago: apparent age 0', { 'cache-control': 'max-age=60', date: HTTP_NOW }, { now: NOW + 999 }, 60],
    ['Expires without Date: Expires − now', { expires: at(90) }, {}, 90],
    ['Expires with an invalid Date: Expires − now', { expires: at(90), date: 'yesterday' }, {}, 90],
    ['Expires in another accepted format (RFC 850)', { expires: 'Saturday, 28-Nov-26 12:01:00 GMT', date: HTTP_NOW }, {}, 60],
    ['Expires in asctime format', { expires: 'Sat Nov 28 12:01:30 2026', date: HTTP_NOW }, {}, 90],
    ['Expires with a lenient Date: the Date is ignored', { expires: at(90), date: 'Sat, 28 Nov 2026 11:00:00 UTC' }, {}, 90],
    ['max-age with a lenient Date in the past: no apparent age from it', { 'cache-control': 'max-age=60', date: 'Sat, 28 Nov 2026 11:59:00 UTC' }, {}, 60],
    ['Age is subtracted', { 'cache-control': 'max-age=60', age: '20' }, {}, 40],
    ['invalid Age counts as 0', { 'cache-control': 'max-age=60', age: 'old' }, {}, 60],
    ['public + max-age + must-revalidate', { 'cache-control': 'public, max-age=60, must-revalidate' }, {}, 60],
    ['proxy-revalidate is stored (and revalidated once stale)', { 'cache-control': 'max-age=60, proxy-revalidate' }, {}, 60],
    ['stale-while-revalidate adds nothing', { 'cache-control': 'max-age=60, stale-while-revalidate=600, stale-if-error=600' }, {}, 60],
    ['must-understand on a 200 is stored', { 'cache-control': 'max-age=60, must-understand' }, {}, 60],
    ['immutable adds nothing', { 'cache-control': 'max-age=60, immutable' }, {}, 60],
    ['no-transform and extensions are fine', { 'cache-control': 'max-age=60, no-transform, x-ext="a,b"' }, {}, 60],
    ['request no-cache still stores (refresh)', { 'cache-control': 'max-age=60' }, { req: { 'cache-control': 'no-cache' } }, 60],
    ['Authorization with public (RFC 9111 §3.5)', { 'cache-control': 'public, max-age=60' }, { req: { authorization: 'Bearer x' } }, 60],
    ['Authorization with s-maxage', { 'cache-control': 's-maxage=60' }, { req: { authorization: 'Bearer x' } }, 60],
    ['no-cache with an ETag: stored, revalidated on every use', { 'cache-control': 'no-cache', etag: '"a"' }, {}, 0],
    ['no-cache with a Last-Modified and max-age', { 'cache-control': 'no-cache, max-age=60', 'last-modified': at(-60) }, {}, 60],
    ['no-cache="set-cookie" taken as plain no-cache', { 'cache-control': 'max-age=60, no-cache="set-cookie"', etag: '"a"' }, {}, 60],
    ['must-revalidate with an ETag, stale at once', { 'cache-control': 'max-age=0, must-revalidate', etag: '"a"' }, {}, 0],
    ['302 with max-age', { 'cache-control': 'max-age=60', location: '/x' }, { status: 302 }, 60],
    ['length at the limit', { 'cache-control': 'max-age=60' }, { length: MiB }, 60],
    ['Expires with header names in any case', { Expires: at(30), Date: HTTP_NOW }, {}, 30]
  ]
  for (const [why, headers, o, seconds] of rows) assert.equal(ttl(headers, o), seconds, why)
})

test('initialAgeSeconds comes from the Age header, expiresAt from the caller\'s clock', () => {
  const times = (d: ReturnType<typeof decide>): unknown => d.store ? { store: true, expiresAt: d.freshness.expiresAt, initialAgeSeconds: d.freshness.initialAgeSeconds } : d
  assert.deepEqual(times(decide({ 'cache-control': 'max-age=60', age: '15' }, { now: 5000 })), { store: true, expiresAt: 5000 + 45_000, initialAgeSeconds: 15 })
  assert.deepEqual(times(decide({ 'cache-control': 'max-age=60' }, { now: 0 })), { store: true, expiresAt: 60_000, initialAgeSeconds: 0 })
  assert.deepEqual(times(decide({ 'cache-control': 'max-age=60', date: at(-12) })), { store: true, expiresAt: NOW + 48_000, initialAgeSeconds: 12 })
})

test('requestMode', () => {
  const rows: Array<[string, string, Headers, string]> = [
    ['plain GET', 'GET', {}, 'lookup'],
    ['plain HEAD (served without body, never stored)', 'HEAD', {}, 'lookup'],
    ['GET with cookies', 'GET', { cookie: 'a=1' }, 'lookup'],
    ['GET max-age=60 (not 0)', 'GET', { 'cache-control': 'max-age=60' }, 'lookup'],
    ['POST', 'POST', {}, 'bypass'],
    ['PUT', 'PUT', {}, 'bypass'],
    ['DELETE', 'DELETE', {}, 'bypass'],
    ['OPTIONS', 'OPTIONS', {}, 'bypass'],
    ['lowercase get', 'get', {}, 'bypass'],
    ['Authorization: to the app, which checks it', 'GET', { authorization: 'Basic eA==' }, 'refresh'],
    ['HEAD with Authorization', 'HEAD', { authorization: 'x' }, 'bypass'],
    ['request no-store', 'GET', { 'cache-control': 'no-store' }, 'bypass'],
    ['request No-Store with others', 'GET', { 'cache-control': 'max-age=0,  No-Store' }, 'bypass'],
    ['no Host', 'GET', { host: undefined }, 'bypass'],
    ['empty Host', 'GET', { host: '' }, 'bypass'],
    ['no-cache', 'GET', { 'cache-control': 'no-cache' }, 'refresh'],
    ['NO-CACHE spaced', 'GET', { 'cache-control': ' NO-CACHE ' }, 'refresh'],
    ['max-age=0', 'GET', { 'cache-control': 'max-age=0' }, 'refresh'],
    ['max-age=00', 'GET', { 'cache-control': 'max-age=00' }, 'refresh'],
    ['max-age unparsable', 'GET', { 'cache-control': 'max-age=x' }, 'refresh'],
    ['Pragma: no-cache', 'GET', { pragma: 'no-cache' }, 'refresh'],
    ['Pragma: No-Cache with Cache-Control present', 'GET', { pragma: 'No-Cache', 'cache-control': 'max-age=60' }, 'refresh'],
    ['Pragma other', 'GET', { pragma: 'x' }, 'lookup'],
    ['HEAD no-cache', 'HEAD', { 'cache-control': 'no-cache' }, 'bypass']
  ]
  for (const [why, method, headers, mode] of rows) assert.equal(requestMode(method, { host: 'a', ...headers }), mode, why)
})

test('parseCacheControl', () => {
  assert.deepEqual([...parseCacheControl(' Max-Age=5 , ,no-cache="a, b",private , x="q\\"z"')], [['max-age', '5'], ['no-cache', 'a, b'], ['private', true], ['x', 'q"z']])
  assert.equal(parseCacheControl('max-age=1, max-age=2').get('max-age'), INVALID)
  assert.equal(parseCacheControl(undefined).size, 0)
  assert.equal(parseCacheControl(['max-age=1', 'public']).get('public'), true)
})

test('ageHeader: initial age plus whole seconds resident, never negative', () => {
  const e = entry({ storedAt: 10_000, initialAgeSeconds: 5 })
  assert.equal(ageHeader(e, 10_000), '5')
  assert.equal(ageHeader(e, 10_999), '5')
  assert.equal(ageHeader(e, 11_000), '6')
  assert.equal(ageHeader(e, 72_500), '67')
  assert.equal(ageHeader(e, 0), '5', 'clock went back')
  assert.equal(ageHeader(entry({ storedAt: 0 }), 0), '0')
})

test('invalidations: successful writes drop the URL and same-host Location / Content-Location', () => {
  const u = (url: string, host = 'example.com', scheme: 'http' | 'https' = 'http'): string => urlKey({ scheme, host, url })
  const inv = (method: string, status: number, headers: Headers = {}, url = '/items/1?x=1', host = 'Example.com'): string[] => invalidations(method, status, url, host, headers).sort()
  for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'M-SEARCH', 'PROPPATCH', 'MKCOL', 'PURGE', 'LINK', 'post']) {
    for (const s of [200, 201, 204, 301, 303, 399]) assert.deepEqual(inv(m, s), [u('/items/1?x=1')], `${m} ${s}`)
    for (const s of [100, 199, 400, 404, 500]) assert.deepEqual(inv(m, s), [], `${m} ${s}`)
  }
  for (const m of ['GET', 'HEAD', 'OPTIONS', 'TRACE']) assert.deepEqual(inv(m, 200), [], m)
  assert.deepEqual(inv('M-SEARCH', 200, { 'content-location': '/items/9' }), [u('/items/1?x=1'), u('/items/9')].sort(), 'unknown methods: Location / Content-Location too')
  assert.deepEqual(inv('POST', 201, { location: '/items/2' }), [u('/items/1?x=1'), u('/items/2')].sort())
  assert.deepEqual(inv('POST', 201, { Location: '/items/2#frag' }), [u('/items/1?x=1'), u('/items/2')].sort(), 'fragment dropped, any header case')
  assert.deepEqual(inv('POST', 201, { location: 'http://EXAMPLE.com/items/3?y' }), [u('/items/1?x=1'), u('/items/3?y')].sort())
  assert.deepEqual(inv('PUT', 200, { 'content-location': '/items/1' }), [u('/items/1?x=1'), u('/items/1')].sort())
  assert.deepEqual(inv('POST', 303, { location: '2' }, '/items/1'), [u('/items/1'), u('/items/2')].sort(), 'relative to the request URL')
  assert.deepEqual(inv('POST', 303, { location: '../other?q=1' }, '/a/b/c'), [u('/a/b/c'), u('/a/other?q=1')].sort())
  assert.deepEqual(inv('POST', 303, { location: 'https://example.com/s' }), [u('/items/1?x=1'), u('/s', 'example.com', 'https')].sort(), 'scheme from the URL')
  assert.deepEqual(inv('POST', 201, { location: 'http://other.com/items/2', 'content-location': '//evil.com/x' }), [u('/items/1?x=1')], 'other hosts ignored')
  assert.deepEqual(inv('POST', 201, { location: 'http://example.com:8080/x' }), [u('/items/1?x=1')], 'another port is another host')
  assert.deepEqual(inv('POST', 201, { location: 'mailto:a@example.com' }), [u('/items/1?x=1')])
  assert.deepEqual(inv('POST', 201, { location: 'http://[bad' }), [u('/items/1?x=1')], 'unparsable ignored')
  assert.deepEqual(inv('POST', 201, { location: '' }), [u('/items/1?x=1')])
  assert.deepEqual(inv('POST', 201, { location: '/items/a b' }), [u('/items/1?x=1'), u('/items/a b'), u('/items/a%20b')].sort(), 'raw and normalised forms')
  assert.deepEqual(inv('POST', 201, { location: 'http://example.com/x' }, '/p', 'example.com:80'), [u('/p', 'example.com:80'), u('/x', 'example.com:80'), u('/x')].sort(), 'default port in Host')
  assert.deepEqual(invalidations('DELETE', 200, '/p', 'a', {}, 'https'), [urlKey({ scheme: 'https', host: 'a', url: '/p' })])
})

test('invalidations: a write to another spelling of a path drops the entry stored under the plain one', () => {
  const plain = urlKey({ scheme: 'http', host: 'a', url: '/p' })
  for (const target of ['/p?', '/p#x', '/./p', '/x/../p', '/%2e/p', '/%2E/p']) {
    const keys = invalidations('POST', 200, target, 'a', {})
    assert.ok(keys.includes(plain), `${target}: ${JSON.stringify(keys)}`)
    assert.ok(keys.includes(urlKey({ scheme: 'http', host: 'a', url: target })), `${target}: its own spelling too`)
  }
  assert.ok(!invalidations('POST', 200, '/q', 'a', {}).includes(plain), 'another path')
  assert.deepEqual(invalidations('POST', 200, '/p?', 'a', {}, 'https').sort(), [urlKey({ scheme: 'https', host: 'a', url: '/p' }), urlKey({ scheme: 'https', host: 'a', url: '/p?' })].sort())
})

test('plainResponseRefusal: whenever it answers, it answers what storeDecision does', () => {
  const flat = (h: Record<string, string>): string[] => Object.entries(h).flat()
  const responses: Array<Record<string, string>> = [
    {}, { 'Content-Type': 'text/plain' }, { 'Set-Cookie': 'a=1' }, { Vary: 'Accept' }, { ETag: '"x"', 'Last-Modified': HTTP_NOW },
    { 'Cache-Control': 'max-age=60' }, { 'CACHE-CONTROL': 'private' }, { Expires: at(60) }, { Pragma: 'no-cache' }, { expires: 'junk' },
    { 'CDN-Cache-Control': 'max-age=60' }, { 'Ferry-Cache-Control': 'max-age=60' }, { 'X-Cache-Control': 'max-age=60' }
  ]
  const requests: Headers[] = [{}, { authorization: 'Basic x' }, { 'cache-control': 'no-store' }, { 'cache-control': 'max-age=0' }, { cookie: 'a=1' }]
  let answered = 0
  for (const res of responses) {
    for (const req of requests) {
      for (const status of [200, 204, 302, 404, 500]) {
        const quick = plainResponseRefusal({ host: 'a', ...req }, status, flat(res))
        if (quick === undefined) continue
        answered++
        const full = decide(Object.fromEntries(Object.entries(res).map(([k, v]) => [k.toLowerCase(), v])), { status, req })
        assert.equal(full.store, false)
        assert.equal(quick, (full as { reason: string }).reason, `${JSON.stringify(res)} ${JSON.stringify(req)} ${status}`)
      }
    }
  }
  assert.ok(answered > 50, `answered ${answered} cases`)
  assert.equal(plainResponseRefusal({}, 200, ['Cache-Control', 'max-age=60']), undefined)
  assert.equal(plainResponseRefusal({ 'cache-control': 'no-cache' }, 200, []), undefined, 'a request Cache-Control needs the full decision')
})

test('targeted fields (RFC 9213): Ferry-Cache-Control beats CDN-Cache-Control beats Cache-Control, used alone', () => {
  const rows: Array<[string, Headers, number | string]> = [
    ['CDN-Cache-Control alone', { 'cdn-cache-control': 'max-age=120' }, 120],
    ['Ferry-Cache-Control alone', { 'ferry-cache-control': 'max-age=30' }, 30],
    ['CDN beats a shorter Cache-Control', { 'cache-control': 'max-age=1', 'cdn-cache-control': 'max-age=3600' }, 3600],
    ['CDN beats a longer Cache-Control', { 'cache-control': 'max-age=3600', 'cdn-cache-control': 'max-age=1' }, 1],
    ['Ferry beats CDN and Cache-Control', { 'cache-control': 'max-age=10', 'cdn-cache-control': 'max-age=20', 'ferry-cache-control': 'max-age=30' }, 30],
    ['caching in Ferry, not in browsers', { 'cache-control': 'no-store', 'ferry-cache-control': 'max-age=30' }, 30],
    ['Cache-Control private does not count beside a targeted field', { 'cache-control': 'private', 'cdn-cache-control': 'max-age=30' }, 30],
    ['CDN private', { 'cdn-cache-control': 'private', 'cache-control': 'max-age=10000', expires: at(10000), date: HTTP_NOW }, 'private'],
    ['CDN no-store beats a fresh Cache-Control', { 'cache-control': 'max-age=10000', 'cdn-cache-control': 'no-store' }, 'no-store'],
    ['Ferry no-store beats a fresh CDN-Cache-Control', { 'cdn-cache-control': 'max-age=10000', 'ferry-cache-control': 'no-store' }, 'no-store'],
    ['CDN no-cache without a validator', { 'cdn-cache-control': 'no-cache', 'cache-control': 'max-age=10000' }, 'no-cache'],
    ['CDN max-age=0 beats a future Expires', { 'cdn-cache-control': 'max-age=0', expires: at(10000), date: HTTP_NOW }, 'no-freshness'],
    ['CDN max-age beats a past Expires', { 'cdn-cache-control': 'max-age=3600', expires: at(-10000), date: HTTP_NOW }, 3600],
    ['CDN max-age beats an invalid Expires', { 'cdn-cache-control': 'max-age=3600', expires: '0' }, 3600],
    ['CDN Pragma: no-cache does not count', { 'cdn-cache-control': 'max-age=60', pragma: 'no-cache' }, 60],
    ['CDN extension directives are fine', { 'cdn-cache-control': 'foobar, max-age=3600' }, 3600],
    ['CDN huge max-age', { 'cdn-cache-control': 'max-age=99999999999' }, 99999999999],
    ['CDN Age above max-age', { 'cdn-cache-control': 'max-age=3600', age: '7200' }, 'no-freshness'],
    ['invalid CDN (space before =): Cache-Control is used', { 'cache-control': 'max-age=5', 'cdn-cache-control': 'max-age =100' }, 5],
    ['invalid CDN (space after =)', { 'cache-control': 'max-age=5', 'cdn-cache-control': 'max-age= 100' }, 5],
    ['invalid CDN (unknown type): Cache-Control no-store applies', { 'cdn-cache-control': 'max-age=10000, &&&&&', 'cache-control': 'no-store' }, 'no-store'],
    ['CDN max-age as a string is no delta-seconds', { 'cdn-cache-control': 'max-age="10000"', 'cache-control': 'max-age=60' }, 'no-freshness'],
    ['CDN uppercase keys are not a Dictionary', { 'cdn-cache-control': 'MAX-AGE=100', 'cache-control': 'max-age=5' }, 5],
    ['empty Ferry-Cache-Control: CDN is used', { 'ferry-cache-control': '', 'cdn-cache-control': 'max-age=20' }, 20],
    ['invalid Ferry-Cache-Control: CDN is used', { 'ferry-cache-control': 'max-age=,', 'cdn-cache-control': 'max-age=20' }, 20],
    ['CDN s-maxage', { 'cdn-cache-control': 's-maxage=40, max-age=5' }, 40],
    ['CDN public lets an Authorization answer be shared', { 'cdn-cache-control': 'public, max-age=40' }, 40]
  ]
  for (const [why, headers, expected] of rows) {
    const req = why.includes('Authorization') ? { authorization: 'x' } : {}
    assert.equal(ttl(headers, { req }), expected, why)
  }
  const d = decide({ 'cdn-cache-control': 'max-age=60, must-revalidate, stale-if-error=60', 'cache-control': 'max-age=60, stale-if-error=600' })
  assert.ok(d.store)
  assert.equal(d.freshness.mustRevalidate, true)
  assert.equal(d.freshness.staleIfErrorMs, 0)
  const w = decide({ 'ferry-cache-control': 'max-age=60, stale-while-revalidate=30;x=1' })
  assert.ok(w.store)
  assert.equal(w.freshness.staleWhileRevalidateMs, 30_000, 'parameters ignored')
})

test('Vary: stored with the names it lists, lowercased, without repeats; an empty Vary varies on nothing', () => {
  const vary = (v: string | string[]): unknown => { const d = decide({ 'cache-control': 'max-age=60', vary: v }); return d.store ? d.vary : d.reason }
  assert.deepEqual(vary('Accept-Encoding'), ['accept-encoding'])
  assert.deepEqual(vary(' Accept-Language ,accept-encoding, ACCEPT-language'), ['accept-language', 'accept-encoding'])
  assert.deepEqual(vary(['Accept', 'Cookie']), ['accept', 'cookie'])
  assert.equal(vary(''), undefined)
  assert.equal(vary(' , '), undefined)
  assert.deepEqual(decide({ Vary: 'Cookie', 'Cache-Control': 'max-age=60' }).store, true, 'header name in any case')
})
