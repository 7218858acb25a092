// The cache-store contract: every CacheStore implementation runs these (STYLE.md point 11).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CachedResponse, CacheStore } from '../../../src/core/cache/types.js'

export interface StoreFactory {
  (o: { maxBytes?: number, maxEntries?: number, maxEntryBytes?: number, now: () => number }): CacheStore
}

/** An entry fresh for `ttl` ms from `now` (default 60 s from 0), kept until it expires unless `keepUntil` says more. */
export function entry (o: Partial<CachedResponse> & { now?: number, ttl?: number } = {}): CachedResponse {
  const now = o.now ?? 0
  const expiresAt = o.expiresAt ?? now + (o.ttl ?? 60_000)
  return {
    status: o.status ?? 200,
    statusText: o.statusText ?? 'OK',
    headers: o.headers ?? ['Content-Type', 'text/plain'],
    body: o.body ?? Buffer.from('hello'),
    storedAt: o.storedAt ?? now,
    initialAgeSeconds: o.initialAgeSeconds ?? 0,
    expiresAt,
    keepUntil: o.keepUntil ?? expiresAt,
    staleWhileRevalidateMs: o.staleWhileRevalidateMs ?? 0,
    staleIfErrorMs: o.staleIfErrorMs ?? 0,
    mustRevalidate: o.mustRevalidate ?? false,
    noCache: o.noCache ?? false,
    etag: o.etag,
    lastModified: o.lastModified,
    vary: o.vary,
    varySelector: o.varySelector ?? '',
    ferryCacheControl: o.ferryCacheControl
  }
}

export function cacheStoreContract (name: string, make: StoreFactory): void {
  test(`${name}: stores and returns an entry; misses are undefined`, () => {
    const s = make({ now: () => 0 })
    assert.equal(s.get('k'), undefined)
    const e = entry()
    assert.equal(s.set('k', 'u', e), true)
    assert.equal(s.get('k'), e)
    assert.equal(s.counters.store_successes, 1)
  })

  test(`${name}: an expired entry is dropped, never served`, () => {
    let t = 1000
    const s = make({ now: () => t })
    s.set('k', 'u', entry({ now: t, ttl: 5000 }))
    t = 5999
    assert.ok(s.get('k'))
    t = 6000
    assert.equal(s.get('k'), undefined)
    t = 0
    assert.equal(s.get('k'), undefined, 'gone, even if the clock goes back')
  })

  test(`${name}: an entry already expired is refused`, () => {
    const s = make({ now: () => 10 })
    assert.equal(s.set('k', 'u', entry({ expiresAt: 10 })), false)
    assert.equal(s.get('k'), undefined)
  })

  test(`${name}: an entry over maxEntryBytes is refused and counted, and drops the older entry under its key`, () => {
    const s = make({ maxEntryBytes: 2000, now: () => 0 })
    s.set('k', 'u', entry())
    assert.equal(s.set('k', 'u', entry({ body: Buffer.alloc(2000) })), false)
    assert.equal(s.get('k'), undefined)
    assert.equal(s.counters.refusals['too-large'], 1)
  })

  test(`${name}: set replaces an entry under the same key`, () => {
    const s = make({ now: () => 0 })
    s.set('k', 'u', entry({ body: Buffer.from('a') }))
    s.set('k', 'u', entry({ body: Buffer.from('b') }))
    assert.equal(s.get('k')?.body.toString(), 'b')
  })

  test(`${name}: deleteUrl drops every cookie variant of a URL and nothing else`, () => {
    const s = make({ now: () => 0 })
    for (const v of ['', '\n-', '\n=', '\n=a', '\n=b']) s.set('u1' + v, 'u1', entry())
    s.set('u2', 'u2', entry())
    assert.equal(s.deleteUrl('u1'), 5)
    for (const v of ['', '\n-', '\n=', '\n=a', '\n=b']) assert.equal(s.get('u1' + v), undefined)
    assert.ok(s.get('u2'))
    assert.equal(s.deleteUrl('u1'), 0)
    assert.equal(s.deleteUrl('nothing'), 0)
  })

  test(`${name}: deleteWithPrefix drops one app's entries, cookie variants and URL index included`, () => {
    const s = make({ now: () => 0 })
    s.set('"/a"\nu1', '"/a"\nu1', entry())
    s.set('"/a"\nu1\n=x', '"/a"\nu1', entry())
    s.set('"/a"\nu2', '"/a"\nu2', entry())
    s.set('"/ab"\nu1', '"/ab"\nu1', entry())
    assert.equal(s.deleteWithPrefix('"/a"\n'), 3)
    assert.equal(s.get('"/a"\nu1'), undefined)
    assert.equal(s.get('"/a"\nu2'), undefined)
    assert.ok(s.get('"/ab"\nu1'), 'another app whose root starts the same way keeps its entries')
    assert.equal(s.deleteUrl('"/a"\nu1'), 0)
    assert.equal(s.deleteWithPrefix('"/a"\n'), 0)
  })

  test(`${name}: delete drops one key`, () => {
    const s = make({ now: () => 0 })
    s.set('a', 'u', entry())
    s.set('b', 'u', entry())
    assert.equal(s.delete('a'), true)
    assert.equal(s.delete('a'), false)
    assert.ok(s.get('b'))
  })

  test(`${name}: recordRefusal counts by reason`, () => {
    const s = make({ now: () => 0 })
    s.recordRefusal('vary')
    s.recordRefusal('vary')
    s.recordRefusal('private')
    assert.equal(s.counters.refusals.vary, 2)
    assert.equal(s.counters.refusals.private, 1)
    assert.equal(s.counters.refusals['no-store'], 0)
  })

  test(`${name}: lookup tells fresh from stale; a stale entry stays only while of use (keepUntil)`, () => {
    let t = 0
    const s = make({ now: () => t })
    const e = entry({ ttl: 1000, keepUntil: 5000, etag: '"v1"' })
    s.set('k', 'u', e)
    assert.deepEqual(s.lookup('k', {}, 999), { state: 'fresh', entry: e })
    assert.deepEqual(s.lookup('k', {}, 1000), { state: 'stale', entry: e })
    t = 1000
    assert.equal(s.get('k'), undefined, 'get gives fresh entries only')
    assert.equal(s.lookup('k', {}, 4999)?.state, 'stale', 'get did not drop it')
    assert.equal(s.lookup('k', {}, 5000), undefined)
    assert.equal(s.lookup('k', {}, 0), undefined, 'dropped, even if the clock goes back')
    assert.equal(s.lookup('nothing', {}, 0), undefined)
  })

  test(`${name}: a no-cache entry is always stale; one stored stale is kept while of use, refused when not`, () => {
    const s = make({ now: () => 100 })
    assert.equal(s.set('n', 'n', entry({ ttl: 60_000, noCache: true, etag: '"x"' })), true)
    assert.equal(s.lookup('n', {}, 100)?.state, 'stale')
    assert.equal(s.set('old', 'old', entry({ expiresAt: 50, keepUntil: 1000, etag: '"x"' })), true)
    assert.equal(s.lookup('old', {}, 100)?.state, 'stale')
    assert.equal(s.set('useless', 'useless', entry({ expiresAt: 50, keepUntil: 100 })), false)
    assert.equal(s.counters.refusals['no-freshness'], 1)
  })

  test(`${name}: replace swaps an entry only while it is still the one stored`, () => {
    const s = make({ now: () => 0 })
    const v1 = entry({ body: Buffer.from('v1') })
    const v2 = entry({ body: Buffer.from('v2') })
    const v3 = entry({ body: Buffer.from('v3') })
    s.set('k', 'u', v1)
    assert.equal(s.replace('k', v1, v2), true)
    assert.equal(s.get('k'), v2)
    assert.equal(s.replace('k', v1, v3), false, 'v1 is no longer stored')
    assert.equal(s.get('k'), v2)
    s.deleteUrl('u')
    assert.equal(s.replace('k', v2, v3), false, 'an invalidated entry is not brought back')
    assert.equal(s.get('k'), undefined)
    const a = entry({ vary: ['accept'], varySelector: '=a' })
    s.set('k', 'u', a)
    assert.equal(s.replace('k', a, { ...a, body: Buffer.from('a2') }), true)
    assert.equal(s.lookup('k', { accept: 'a' }, 0)?.entry.body.toString(), 'a2')
  })

  test(`${name}: Vary variants are chosen by the request's headers; invalidation drops them all`, () => {
    const s = make({ now: () => 0 })
    const gz = entry({ body: Buffer.from('gz'), vary: ['accept-encoding'], varySelector: '=gzip' })
    const none = entry({ body: Buffer.from('none'), vary: ['accept-encoding'], varySelector: '\u0000' })
    s.set('k', 'u', gz)
    s.set('k', 'u', none)
    assert.equal(s.lookup('k', { 'accept-encoding': 'gzip' }, 0)?.entry, gz)
    assert.equal(s.lookup('k', {}, 0)?.entry, none, 'absent header: its own variant')
    assert.equal(s.lookup('k', { 'accept-encoding': '' }, 0), undefined, 'empty is not absent')
    assert.equal(s.lookup('k', { 'accept-encoding': 'br' }, 0), undefined)
    assert.equal(s.get('k'), none, 'get: a request without headers')
    assert.equal(s.deleteUrl('u'), 2)
    assert.equal(s.lookup('k', { 'accept-encoding': 'gzip' }, 0), undefined)
  })

  test(`${name}: a response without Vary replaces every variant, and one with other Vary names too`, () => {
    const s = make({ now: () => 0 })
    s.set('k', 'u', entry({ vary: ['accept'], varySelector: '=a' }))
    s.set('k', 'u', entry({ vary: ['accept'], varySelector: '=b' }))
    const plain = entry()
    s.set('k', 'u', plain)
    assert.equal(s.lookup('k', { accept: 'a' }, 0)?.entry, plain, 'the plain entry answers every request')
    const lang = entry({ vary: ['accept-language'], varySelector: '=fr' })
    s.set('k', 'u', lang)
    assert.equal(s.lookup('k', { 'accept-language': 'fr', accept: 'a' }, 0)?.entry, lang)
    s.set('k', 'u', entry({ vary: ['accept'], varySelector: '=a' }))
    assert.equal(s.lookup('k', { 'accept-language': 'fr', accept: 'b' }, 0), undefined, 'the accept-language variant is gone')
    assert.equal(s.delete('k'), true, 'delete drops the variants of a key')
    assert.equal(s.lookup('k', { accept: 'a' }, 0), undefined)
  })
}
