// When a stale entry may be served: only inside a window the response gave (or, on error, the request's own), and
// never for must-revalidate / proxy-revalidate / s-maxage / no-cache entries.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ERROR_STATUSES, servableOnError, servableWhileRevalidating } from '../../../src/core/cache/stale.js'
import { entry } from './store-contract.js'

const T = 1_000_000

test('stale-while-revalidate: inside the window only, never for must-revalidate or no-cache entries', () => {
  const e = entry({ expiresAt: T, staleWhileRevalidateMs: 30_000 })
  assert.equal(servableWhileRevalidating(e, T - 1), true, 'fresh is inside too (callers ask only when stale)')
  assert.equal(servableWhileRevalidating(e, T + 29_999), true)
  assert.equal(servableWhileRevalidating(e, T + 30_000), false)
  assert.equal(servableWhileRevalidating(entry({ expiresAt: T }), T + 1), false, 'no window: no permission')
  assert.equal(servableWhileRevalidating(entry({ expiresAt: T, staleWhileRevalidateMs: 30_000, mustRevalidate: true }), T + 1), false)
  assert.equal(servableWhileRevalidating(entry({ expiresAt: T, staleWhileRevalidateMs: 30_000, noCache: true }), T + 1), false)
})

test('stale-if-error: the response\'s window, or the request\'s own; neither lifts must-revalidate or no-cache', () => {
  const e = entry({ expiresAt: T, staleIfErrorMs: 60_000 })
  assert.equal(servableOnError(e, T + 59_999, {}), true)
  assert.equal(servableOnError(e, T + 60_000, {}), false)
  const none = entry({ expiresAt: T })
  assert.equal(servableOnError(none, T + 1000, {}), false)
  assert.equal(servableOnError(none, T + 1000, { 'cache-control': 'stale-if-error=5' }), true)
  assert.equal(servableOnError(none, T + 5000, { 'cache-control': 'stale-if-error=5' }), false)
  assert.equal(servableOnError(none, T + 1000, { 'cache-control': 'stale-if-error=x' }), false, 'not delta-seconds')
  assert.equal(servableOnError(none, T + 1000, { 'cache-control': 'stale-if-error=5, stale-if-error=6' }), false, 'conflicting')
  assert.equal(servableOnError(entry({ expiresAt: T, staleIfErrorMs: 60_000, mustRevalidate: true }), T + 1, { 'cache-control': 'stale-if-error=60' }), false)
  assert.equal(servableOnError(entry({ expiresAt: T, noCache: true }), T + 1, { 'cache-control': 'stale-if-error=60' }), false)
  assert.deepEqual([...ERROR_STATUSES], [500, 502, 503, 504])
})
