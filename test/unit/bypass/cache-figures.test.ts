// The turbocache figures of a bypassed app, added up from its processes' batched reports (bypass/cache-figures.ts),
// and the rendered-head parsing the in-process cache records responses by (bypass/capture.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BypassedCacheFigures, emptyCounters, toCacheFigures } from '../../../src/core/bypass/cache-figures.js'
import { headerList } from '../../../src/core/bypass/capture.js'
import { cacheSnapshot } from '../../../src/core/admin/cache-snapshot.js'

function report (hits: number, fetches: number, entries: number, bytes: number): ReturnType<typeof toCacheFigures> & object {
  const counters = emptyCounters()
  counters.hits = hits
  counters.fetches = fetches
  counters.refusals.private = 1
  return { entries, bytes, counters }
}

test('counters add what each process\'s totals grew by; entries and bytes are those of the processes alive', () => {
  const alive = new Set([1, 2])
  const f = new BypassedCacheFigures(1000, () => alive)
  f.report(1, report(5, 10, 2, 300))
  f.report(2, report(1, 4, 1, 100))
  f.report(1, report(8, 15, 3, 400))
  assert.equal(f.counters.hits, 9)
  assert.equal(f.counters.fetches, 19)
  assert.equal(f.counters.refusals.private, 2, 'once per process, not once per report')
  assert.equal(f.size, 4)
  assert.equal(f.bytes, 500)
  assert.equal(f.maxBytes, 2000, 'each process has the size to itself')
  // A process that exits takes its entries, not its counts (metrics counters never go down).
  alive.delete(1)
  assert.equal(f.size, 1)
  assert.equal(f.bytes, 100)
  assert.equal(f.counters.hits, 9)
  const s = cacheSnapshot(f)
  assert.ok(s.enabled && s.hits === 9 && s.misses === 10 && s.entries === 1)
})

test('a report is checked field by field: what is not a count is 0', () => {
  const r = toCacheFigures({ entries: -1, bytes: 'x', counters: { hits: 3, fetches: Infinity, refusals: { vary: 2, bogus: 5 } } })
  assert.equal(r?.entries, 0)
  assert.equal(r?.bytes, 0)
  assert.equal(r?.counters.hits, 3)
  assert.equal(r?.counters.fetches, 0)
  assert.equal(r?.counters.refusals.vary, 2)
  assert.equal((r?.counters.refusals as Record<string, number>).bogus, undefined)
  assert.equal(toCacheFigures(null), undefined)
})

test('the head node rendered is read back as a flat list, values trimmed, the status line and end skipped', () => {
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control:  max-age=60 \r\nX-Empty:\r\nDate: Mon, 30 Nov 2026 10:00:00 GMT\r\n\r\n'
  assert.deepEqual(headerList(head), ['Content-Type', 'text/plain', 'Cache-Control', 'max-age=60', 'X-Empty', '', 'Date', 'Mon, 30 Nov 2026 10:00:00 GMT'])
  assert.deepEqual(headerList('HTTP/1.1 204 No Content\r\n\r\n'), [])
})
