// The cache-store contract: every CacheStore implementation runs these (STYLE.md point 11).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CachedResponse, CacheStore } from '../../../src/core/cache/types.js'

export interface StoreFactory {
  (o: { maxBytes?: number, maxEntries?: number, maxEntryBytes?: number, now: () => number }): CacheStore
}

export function entry (o: Partial<CachedResponse> & { now?: number, ttl?: number } = {}): CachedResponse {
  const now = o.now ?? 0
  return {
    status: o.status ?? 200,
    statusText: o.statusText ?? 'OK',
    headers: o.headers ?? ['Content-Type', 'text/plain'],
    body: o.body ?? Buffer.from('hello'),
    storedAt: o.storedAt ?? now,
    initialAgeSeconds: o.initialAgeSeconds ?? 0,
    expiresAt: o.expiresAt ?? now + (o.ttl ?? 60_000)
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
}
