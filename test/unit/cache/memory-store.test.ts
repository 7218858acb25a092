import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ENTRY_OVERHEAD_BYTES, MAX_VARIANTS, MemoryStore, entrySize } from '../../../src/core/cache/memory-store.js'
import { cacheStoreContract, entry } from './store-contract.js'

cacheStoreContract('MemoryStore', o => new MemoryStore(o))

test('defaults: 64 MiB, 10000 entries, 1 MiB per entry, Date.now', () => {
  const s = new MemoryStore()
  assert.equal(s.maxBytes, 64 * 1024 * 1024)
  assert.equal(s.maxEntries, 10_000)
  assert.equal(s.maxEntryBytes, 1024 * 1024)
  assert.equal(s.now, Date.now)
  assert.equal(new MemoryStore({ maxBytes: 4096 }).maxEntryBytes, 4096, 'entry limit follows a smaller total limit')
})

test('options are validated with the option name in the message', () => {
  for (const name of ['maxBytes', 'maxEntries', 'maxEntryBytes'] as const) {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10', null]) {
      assert.throws(() => new MemoryStore({ [name]: bad } as never), (e: unknown) => e instanceof TypeError && e.message.includes(name), `${name}=${String(bad)}`)
    }
  }
  assert.throws(() => new MemoryStore({ now: 5 } as never), /now must be a function/)
  assert.throws(() => new MemoryStore({ maxBytes: 1000, maxEntryBytes: 2000 }), (e: unknown) => e instanceof TypeError && /maxEntryBytes \(2000\) must not exceed maxBytes \(1000\)/.test(e.message))
  assert.throws(() => new MemoryStore(null as never), /options must be an object/)
})

test('entry size counts body, headers, key and overhead; bytes and size track the contents', () => {
  const e = entry({ body: Buffer.alloc(100), headers: ['A', 'bé'], statusText: 'OK' })
  assert.equal(entrySize('key', 'url', e), ENTRY_OVERHEAD_BYTES + 100 + 3 + 3 + 2 + (1 + 4) + (3 + 4))
  const s = new MemoryStore({ now: () => 0 })
  s.set('key', 'url', e)
  assert.equal(s.bytes, entrySize('key', 'url', e))
  assert.equal(s.size, 1)
  s.set('key', 'url', e)
  assert.equal(s.bytes, entrySize('key', 'url', e), 'replacing does not double-count')
  s.delete('key')
  assert.equal(s.bytes, 0)
  assert.equal(s.size, 0)
})

test('LRU: a hit protects an entry, the least recently used is evicted first', () => {
  const s = new MemoryStore({ maxEntries: 3, now: () => 0 })
  s.set('a', 'a', entry())
  s.set('b', 'b', entry())
  s.set('c', 'c', entry())
  assert.ok(s.get('a'))
  s.set('d', 'd', entry())
  assert.equal(s.get('b'), undefined, 'b was least recently used')
  assert.ok(s.get('a'))
  assert.ok(s.get('c'))
  assert.ok(s.get('d'))
  s.set('e', 'e', entry())
  assert.equal(s.get('a'), undefined)
  assert.equal(s.counters.evictions, 2)
})

test('LRU: repeated hits on the newest entry, then others stored and hit, keep the exact recency order', () => {
  // A run of hits on the most recent key skips moving it (it is already last): every store must still end the run.
  const s = new MemoryStore({ maxEntries: 3, now: () => 0 })
  s.set('a', 'a', entry())
  s.set('b', 'b', entry())
  assert.ok(s.get('a'))
  assert.ok(s.get('a'), 'a second hit on the newest key')
  s.set('c', 'c', entry()) // order: b, a, c
  assert.ok(s.get('a')) // a is not the newest any more: moved after c (b, c, a)
  s.set('d', 'd', entry())
  assert.equal(s.get('b'), undefined, 'b was least recently used')
  s.set('e', 'e', entry())
  assert.equal(s.get('c'), undefined, 'c was used before a: evicted first')
  assert.ok(s.get('a'))
  // The newest key deleted, stored again, and hit: it is the newest again, the others older.
  assert.ok(s.delete('a'))
  assert.equal(s.get('a'), undefined)
  s.set('a', 'a', entry()) // d, e, a
  assert.ok(s.get('a'))
  assert.ok(s.get('d')) // e, a, d
  s.set('f', 'f', entry())
  assert.equal(s.get('e'), undefined)
  assert.ok(s.get('a') !== undefined && s.get('d') !== undefined && s.get('f') !== undefined)
})

test('byte bound evicts as many as needed for a large entry', () => {
  const one = entrySize('k0', 'u', entry({ body: Buffer.alloc(1000) }))
  const s = new MemoryStore({ maxBytes: one * 4, maxEntryBytes: one * 3, now: () => 0 })
  for (let i = 0; i < 4; i++) s.set(`k${i}`, 'u', entry({ body: Buffer.alloc(1000) }))
  assert.equal(s.size, 4)
  s.set('big', 'big', entry({ body: Buffer.alloc(2500) }))
  assert.ok(s.bytes <= s.maxBytes)
  assert.equal(s.size, 2, 'k0..k2 evicted, k3 and big remain')
  assert.ok(s.get('k3'))
  assert.ok(s.get('big'))
  assert.equal(s.counters.evictions, 3)
})

test('eviction keeps the URL index consistent: deleteUrl after eviction counts only live entries', () => {
  const s = new MemoryStore({ maxEntries: 2, now: () => 0 })
  s.set('u\n=a', 'u', entry())
  s.set('u\n=b', 'u', entry())
  s.set('v', 'v', entry())
  assert.equal(s.deleteUrl('u'), 1)
  assert.equal(s.size, 1)
})

test('default limits prevent memory leaks', () => {
  const s = new MemoryStore({ now: () => 0 })
  const body = Buffer.alloc(10_000)
  for (let i = 0; i < 30_000; i++) {
    s.set(`http\nhost\n/${i}`, `http\nhost\n/${i}`, entry({ body }))
    if (i % 1000 === 0) {
      assert.ok(s.bytes <= s.maxBytes, `bytes ${s.bytes} after ${i}`)
      assert.ok(s.size <= s.maxEntries, `size ${s.size} after ${i}`)
    }
  }
  assert.ok(s.bytes <= 64 * 1024 * 1024)
  assert.ok(s.size <= 10_000)
  assert.equal(s.counters.store_successes, 30_000)
  assert.equal(s.counters.evictions, 30_000 - s.size)
  // Many small entries: the entry bound holds.
  const t = new MemoryStore({ now: () => 0 })
  for (let i = 0; i < 25_000; i++) t.set(`k${i}`, `k${i}`, entry())
  assert.equal(t.size, 10_000)
  assert.ok(t.get('k24999'))
  assert.equal(t.get('k0'), undefined)
  // Entries bigger than the default entry limit are never kept.
  assert.equal(t.set('huge', 'huge', entry({ body: Buffer.alloc(1024 * 1024) })), false)
})

test('expired entries are dropped with their URL index on a fake clock', () => {
  let now = 0
  const s = new MemoryStore({ now: () => now })
  s.set('u\n-', 'u', entry({ ttl: 1000 }))
  s.set('u\n=x', 'u', entry({ ttl: 5000 }))
  now = 1000
  assert.equal(s.get('u\n-'), undefined)
  assert.equal(s.size, 1)
  assert.ok(s.get('u\n=x'))
  assert.equal(s.deleteUrl('u'), 1)
})

test('get does not count fetches or hits (the caller does)', () => {
  const s = new MemoryStore({ now: () => 0 })
  s.set('k', 'k', entry())
  s.get('k')
  s.get('x')
  assert.equal(s.counters.fetches, 0)
  assert.equal(s.counters.hits, 0)
})

test('at most MAX_VARIANTS Vary variants per key, the oldest dropped first; variants count in both bounds', () => {
  const s = new MemoryStore({ now: () => 0 })
  const variant = (i: number) => entry({ vary: ['accept-language'], varySelector: `=l${i}`, body: Buffer.from(String(i)) })
  for (let i = 0; i < MAX_VARIANTS + 3; i++) s.set('k', 'u', variant(i))
  assert.equal(s.size, MAX_VARIANTS)
  for (let i = 0; i < 3; i++) assert.equal(s.lookup('k', { 'accept-language': `l${i}` }, 0), undefined, `l${i} dropped`)
  for (let i = 3; i < MAX_VARIANTS + 3; i++) assert.equal(s.lookup('k', { 'accept-language': `l${i}` }, 0)?.entry.body.toString(), String(i))
  let bytes = 0
  for (let i = 3; i < MAX_VARIANTS + 3; i++) bytes += entrySize(`k\n~=l${i}`, 'u', variant(i))
  assert.equal(s.bytes, bytes)
  assert.equal(s.deleteUrl('u'), MAX_VARIANTS)
  assert.equal(s.bytes, 0)
  // The entry bound and the LRU hold over variants and plain entries together.
  const t = new MemoryStore({ maxEntries: 3, now: () => 0 })
  t.set('k', 'u', entry({ vary: ['x'], varySelector: '=1' }))
  t.set('k', 'u', entry({ vary: ['x'], varySelector: '=2' }))
  t.set('p', 'p', entry())
  assert.ok(t.lookup('k', { x: '1' }, 0))
  t.set('q', 'q', entry())
  assert.equal(t.lookup('k', { x: '2' }, 0), undefined, 'the least recently used variant was evicted')
  assert.ok(t.lookup('k', { x: '1' }, 0))
  t.set('r', 'r', entry())
  t.set('s', 's', entry())
  t.set('k', 'u', entry({ vary: ['x'], varySelector: '=3' }))
  assert.equal(t.size, 3)
  assert.ok(t.lookup('k', { x: '3' }, 0), 'a variant stored after its siblings were all evicted')
})

test('a stale entry kept for revalidation is evicted like any other', () => {
  const s = new MemoryStore({ maxEntries: 2, now: () => 0 })
  s.set('stale', 'stale', entry({ expiresAt: 1, keepUntil: 10_000, etag: '"e"' }))
  s.set('a', 'a', entry())
  s.set('b', 'b', entry())
  assert.equal(s.lookup('stale', {}, 5), undefined)
  assert.equal(s.counters.evictions, 1)
})

test('invalidatedSince: deleteUrl, deleteWithPrefix and clear mark what a fill started before them must not store', () => {
  const s = new MemoryStore()
  const g0 = s.generation
  assert.equal(s.invalidatedSince('u1', g0), false)
  s.deleteUrl('u1')
  assert.equal(s.invalidatedSince('u1', g0), true)
  assert.equal(s.invalidatedSince('u2', g0), false, 'another URL')
  assert.equal(s.invalidatedSince('u1', s.generation), false, 'a fill started after it')
  const g1 = s.generation
  s.deleteWithPrefix('"app"\n')
  assert.equal(s.invalidatedSince('"app"\nu3', g1), true)
  assert.equal(s.invalidatedSince('"other"\nu3', g1), false)
  const g2 = s.generation
  s.clear()
  assert.equal(s.invalidatedSince('anything', g2), true)
  assert.equal(s.invalidatedSince('anything', s.generation), false)
  // Bounded: past the most remembered, everything older counts as invalidated (never the other way round).
  const g3 = s.generation
  for (let i = 0; i < 10_001; i++) s.deleteUrl(`x${i}`)
  assert.equal(s.invalidatedSince('x0', g3), true)
  assert.equal(s.invalidatedSince('never', g3), true)
})

test('invalidatedSince: the marks stay bounded in characters too, as a client makes the URLs long', () => {
  const s = new MemoryStore()
  const g0 = s.generation
  const long = (i: number): string => `http\nhost\n/${i}?${'a'.repeat(16 * 1024)}`
  for (let i = 0; i < 500; i++) s.deleteUrl(long(i))
  assert.ok(s.invalidationMarks.chars <= 1024 * 1024, JSON.stringify(s.invalidationMarks))
  assert.ok(s.invalidationMarks.count < 100, JSON.stringify(s.invalidationMarks))
  // What was forgotten still counts as invalidated for a fill that started before it (never the other way round).
  assert.equal(s.invalidatedSince(long(0), g0), true)
  assert.equal(s.invalidatedSince('http\nhost\n/short', g0), true)
  const g1 = s.generation
  s.deleteUrl(long(1))
  s.deleteUrl(long(1))
  assert.equal(s.invalidatedSince(long(1), g1), true)
  assert.equal(s.invalidatedSince(long(2), g1), false, 'a URL not written since')
})
