import { test } from 'node:test'
import assert from 'node:assert/strict'
import { conditionalHeaders, notModifiedMatches, updatedBy304 } from '../../../src/core/cache/revalidation.js'
import { storeDecision } from '../../../src/core/cache/policy.js'
import { STALE_KEEP_MS } from '../../../src/core/cache/freshness.js'
import { entry } from './store-contract.js'

const NOW = Date.parse('Sat, 28 Nov 2026 12:00:00 GMT')
const at = (offsetS: number): string => new Date(NOW + offsetS * 1000).toUTCString()

test('conditionalHeaders: If-None-Match from the ETag, If-Modified-Since from a valid Last-Modified', () => {
  assert.deepEqual(conditionalHeaders(entry()), [])
  assert.deepEqual(conditionalHeaders(entry({ etag: 'W/"a"' })), ['If-None-Match', 'W/"a"'])
  assert.deepEqual(conditionalHeaders(entry({ lastModified: at(-60) })), ['If-Modified-Since', at(-60)])
  assert.deepEqual(conditionalHeaders(entry({ etag: '"a"', lastModified: at(-60) })), ['If-None-Match', '"a"', 'If-Modified-Since', at(-60)])
  assert.deepEqual(conditionalHeaders(entry({ lastModified: 'yesterday' })), [], 'an invalid date is no validator')
})

test('storeDecision keeps what revalidation needs: validators, flags, and stale entries of use', () => {
  const d = (headers: Record<string, string>) => storeDecision({ method: 'GET', headers: { host: 'a' } }, { status: 200, headers }, NOW, 1 << 20)
  const ok = d({ 'cache-control': 'max-age=60, stale-while-revalidate=30, stale-if-error=600', etag: '"v1"', 'last-modified': at(-3600) })
  assert.ok(ok.store)
  assert.equal(ok.etag, '"v1"')
  assert.equal(ok.lastModified, at(-3600))
  assert.deepEqual(ok.freshness, { initialAgeSeconds: 0, expiresAt: NOW + 60_000, keepUntil: NOW + 60_000 + STALE_KEEP_MS, staleWhileRevalidateMs: 30_000, staleIfErrorMs: 600_000, mustRevalidate: false, noCache: false })
  const windowOnly = d({ 'cache-control': 'max-age=60, stale-if-error=7200' })
  assert.ok(windowOnly.store)
  assert.equal(windowOnly.freshness.keepUntil, NOW + 60_000 + 7_200_000, 'without a validator: kept through its window')
  const must = d({ 'cache-control': 'max-age=60, must-revalidate, stale-if-error=600', etag: '"x"' })
  assert.ok(must.store)
  assert.equal(must.freshness.mustRevalidate, true)
  assert.equal(must.freshness.staleIfErrorMs, 0, 'must-revalidate closes the windows')
  const sMaxage = d({ 'cache-control': 's-maxage=60, stale-while-revalidate=60' })
  assert.ok(sMaxage.store)
  assert.equal(sMaxage.freshness.mustRevalidate, true, 's-maxage implies proxy-revalidate')
  assert.equal(sMaxage.freshness.keepUntil, NOW + 60_000)
  const staleNow = d({ 'cache-control': 'max-age=0', etag: '"x"' })
  assert.ok(staleNow.store, 'stale on arrival but revalidatable')
  assert.equal(staleNow.freshness.expiresAt, NOW)
  assert.equal(staleNow.freshness.keepUntil, NOW + STALE_KEEP_MS)
  assert.deepEqual(d({ 'cache-control': 'max-age=0' }), { store: false, reason: 'no-freshness' }, 'stale and of no use')
  const noCache = d({ 'cache-control': 'no-cache', etag: '"x"' })
  assert.ok(noCache.store, 'no-cache with a validator: stored, revalidated on every use')
  assert.equal(noCache.freshness.noCache, true)
  assert.deepEqual(d({ 'cache-control': 'no-cache, max-age=60' }), { store: false, reason: 'no-cache' }, 'no-cache without a validator')
  assert.deepEqual(d({ 'cache-control': 'no-cache', 'last-modified': 'recently' }), { store: false, reason: 'no-cache' }, 'an invalid Last-Modified is no validator')
})

test('updatedBy304: the 304\'s headers replace the stored ones, framing and hop-by-hop aside; freshness is recomputed', () => {
  const old = entry({
    now: NOW - 120_000,
    ttl: 60_000,
    keepUntil: NOW + STALE_KEEP_MS,
    etag: '"v1"',
    headers: ['Content-Type', 'text/plain', 'Cache-Control', 'max-age=60', 'ETag', '"v1"', 'X-Old', 'a', 'X-Multi', '1', 'X-Multi', '2'],
    body: Buffer.from('body')
  })
  const u = updatedBy304(old, ['Cache-Control', 'max-age=300', 'X-Multi', '3', 'Content-Length', '0', 'Connection', 'x-hop', 'X-Hop', 'h', 'Keep-Alive', 'timeout=5', 'Date', at(-10), 'Age', '4', 'ETag', '"v1"'], NOW)
  assert.ok(u.storable)
  assert.deepEqual(u.entry.headers, ['Content-Type', 'text/plain', 'X-Old', 'a', 'Cache-Control', 'max-age=300', 'X-Multi', '3', 'Date', at(-10), 'ETag', '"v1"'])
  assert.equal(u.entry.body, old.body)
  assert.equal(u.entry.storedAt, NOW)
  assert.equal(u.entry.initialAgeSeconds, 10, 'apparent age from the 304\'s Date beats its Age')
  assert.equal(u.entry.expiresAt, NOW + 290_000)
  assert.equal(u.entry.etag, '"v1"')
  assert.equal(old.expiresAt, NOW - 60_000, 'the old entry is not changed')
})

test('updatedBy304: a 304 that forbids storing gives an entry for this answer only; a 304 without Cache-Control keeps the stored one', () => {
  const old = entry({ now: NOW - 120_000, ttl: 60_000, keepUntil: NOW + 1000, etag: '"v1"', headers: ['Cache-Control', 'max-age=60', 'ETag', '"v1"'] })
  const refused = updatedBy304(old, ['Cache-Control', 'no-store'], NOW)
  assert.equal(refused.storable, false)
  assert.equal(refused.storable === false && refused.reason, 'no-store')
  assert.equal(refused.entry.keepUntil, NOW)
  const kept = updatedBy304(old, ['Date', at(0)], NOW)
  assert.ok(kept.storable)
  assert.equal(kept.entry.expiresAt, NOW + 60_000, 'max-age from the stored headers, from now')
  const noCache = updatedBy304(entry({ noCache: true, etag: '"e"', headers: ['Cache-Control', 'no-cache', 'ETag', '"e"'] }), [], NOW)
  assert.ok(noCache.storable)
  assert.equal(noCache.entry.noCache, true)
})

test('updatedBy304: a changed Vary takes the revalidated request\'s headers', () => {
  const old = entry({ now: NOW, etag: '"v"', headers: ['Cache-Control', 'max-age=60', 'ETag', '"v"'] })
  const u = updatedBy304(old, ['Vary', 'Accept-Language'], NOW, { 'accept-language': 'fr' })
  assert.ok(u.storable)
  assert.deepEqual(u.entry.vary, ['accept-language'])
  assert.equal(u.entry.varySelector, '=fr')
  const same = updatedBy304(u.entry, ['Vary', 'accept-language'], NOW, { 'accept-language': 'de' })
  assert.equal(same.entry.varySelector, '=fr', 'same Vary: the variant stays the one revalidated')
  assert.equal(updatedBy304(old, ['Vary', '*'], NOW).storable, false, 'Vary: * is never stored')
})

test('updatedBy304: a 304 that sets a cookie is not storable, and the entry it answers carries the cookie', () => {
  const stored = entry({ etag: '"v1"', headers: ['Cache-Control', 'max-age=60', 'ETag', '"v1"'] })
  const u = updatedBy304(stored, ['ETag', '"v1"', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Cache-Control', 'max-age=60'], NOW)
  assert.equal(u.storable, false)
  assert.equal(!u.storable && u.reason, 'set-cookie')
  assert.deepEqual(u.entry.headers.filter((_, i, h) => i % 2 === 1 && h[i - 1] === 'Set-Cookie'), ['a=1', 'b=2'])
  assert.ok(updatedBy304(stored, ['ETag', '"v1"', 'Cache-Control', 'max-age=60'], NOW).storable)
})

test('notModifiedMatches: a 304 naming another ETag is about another representation', () => {
  const stored = entry({ etag: '"v1"' })
  assert.equal(notModifiedMatches(stored, []), true, 'no ETag: about the one revalidated')
  assert.equal(notModifiedMatches(stored, ['ETag', '"v1"']), true)
  assert.equal(notModifiedMatches(stored, ['etag', 'W/"v1"']), true, 'weak comparison')
  assert.equal(notModifiedMatches(entry({ etag: 'W/"v1"' }), ['ETag', '"v1"']), true)
  assert.equal(notModifiedMatches(stored, ['ETag', '"v2"']), false)
  assert.equal(notModifiedMatches(entry({ lastModified: at(-60) }), ['ETag', '"v1"']), false, 'an ETag the entry never had')
})
