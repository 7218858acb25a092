// What a turbocache purge may name (purge-target.ts), and the cache's figures as /server.json shows them
// (cache-snapshot.ts), over a real MemoryStore.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { purgeKeyParts, purgeTargetFrom } from '../../../src/core/admin/purge-target.js'
import { cacheSnapshot } from '../../../src/core/admin/cache-snapshot.js'
import { MemoryStore } from '../../../src/core/cache/memory-store.js'
import { urlKey } from '../../../src/core/cache/key.js'
import type { CachedResponse } from '../../../src/core/cache/types.js'

test('a purge URL names the key clients ask by: scheme, Host with the port as written, raw path and query', () => {
  assert.deepEqual(purgeKeyParts('http://shop.example/products?page=2'), { scheme: 'http', host: 'shop.example', url: '/products?page=2' })
  assert.deepEqual(purgeKeyParts('HTTPS://Shop.Example:443/a/../b%7e#top'), { scheme: 'https', host: 'Shop.Example:443', url: '/a/../b%7e' })
  assert.deepEqual(purgeKeyParts('http://[::1]:3000'), { scheme: 'http', host: '[::1]:3000', url: '/' })
  assert.deepEqual(purgeKeyParts('http://h?x=1'), { scheme: 'http', host: 'h', url: '/?x=1' })
  // The same key a request for that URL is stored under (the host is lowercased there).
  assert.equal(urlKey(purgeKeyParts('http://A.test:8080/p?q')), urlKey({ scheme: 'http', host: 'a.test:8080', url: '/p?q' }))
})

test('a purge URL that is not absolute http(s) is refused with E_USAGE and one line', () => {
  for (const bad of ['/products', 'products', 'shop.example/products', '//shop.example/x', 'ftp://shop.example/x',
    'http:///x', 'http://user:pw@shop.example/x', 'http://shop.example/a b', 'http://shop.example/\n', 'http://[::1/x', '']) {
    assert.throws(() => purgeKeyParts(bad), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_USAGE', bad)
      assert.ok(!err.message.includes('\n'), 'one line')
      assert.ok(err.message.includes(JSON.stringify(bad)), 'names what was given')
      return true
    })
  }
})

test('the admin API body names exactly one of url, app and all', () => {
  assert.deepEqual(purgeTargetFrom({ url: 'http://h/x' }), { url: 'http://h/x' })
  assert.deepEqual(purgeTargetFrom({ app: '/srv/shop' }), { app: '/srv/shop' })
  assert.deepEqual(purgeTargetFrom({ all: true }), { all: true })
  for (const bad of [undefined, null, [], 'http://h/x', {}, { all: false }, { app: '' }, { app: 3 }, { url: '/x' },
    { url: 'http://h/x', all: true }, { all: true, extra: 1 }]) {
    assert.throws(() => purgeTargetFrom(bad), { code: 'E_USAGE' }, JSON.stringify(bad))
  }
})

const entry = (body: string, now: number): CachedResponse => ({
  status: 200, statusText: 'OK', headers: ['Content-Type', 'text/plain'], body: Buffer.from(body), storedAt: now, initialAgeSeconds: 0,
  expiresAt: now + 60_000, keepUntil: now + 60_000, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, mustRevalidate: false, noCache: false,
  etag: undefined, lastModified: undefined, vary: undefined, varySelector: '', ferryCacheControl: undefined
})

test('the cache snapshot: entries, bytes, max bytes, hits, misses, ratios and the four revalidation counters', () => {
  assert.deepEqual(cacheSnapshot(undefined), { enabled: false })
  const now = 1_000_000
  const store = new MemoryStore({ maxBytes: 4096, now: () => now })
  store.set('k1', 'u1', entry('one', now))
  store.set('k2', 'u1', entry('two', now))
  Object.assign(store.counters, { fetches: 8, hits: 6, stores: 2, collapsed: 3, revalidations: 2, revalidated: 1, stale_served: 4 })
  const s = cacheSnapshot(store)
  assert.ok(s.enabled)
  assert.equal(s.entries, 2)
  assert.equal(s.bytes, store.bytes)
  assert.ok(s.bytes > 6)
  assert.equal(s.max_bytes, 4096)
  assert.deepEqual([s.fetches, s.hits, s.misses, s.hit_ratio], [8, 6, 2, 0.75])
  assert.deepEqual([s.stores, s.store_successes, s.store_success_ratio, s.evictions], [2, 2, 1, 0])
  assert.deepEqual([s.collapsed, s.revalidations, s.revalidated, s.stale_served], [3, 2, 1, 4])
  // A copy: later traffic does not change a snapshot already taken.
  store.counters.refusals.private++
  assert.equal(s.refusals.private, 0)
  assert.equal(store.deleteUrl('u1'), 2)
  assert.deepEqual([cacheSnapshot(store)].map(x => x.enabled && [x.entries, x.bytes]), [[0, 0]])
})

test('a new store counts collapsed, revalidations, revalidated and stale_served from 0', () => {
  const c = new MemoryStore().counters
  assert.deepEqual([c.collapsed, c.revalidations, c.revalidated, c.stale_served], [0, 0, 0, 0])
})
