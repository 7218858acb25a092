// When a stale entry may be served (RFC 5861, RFC 9111 §4.2.4). Pure: no clock of its own. Nothing stale is served
// without an explicit permission: the response's stale-while-revalidate / stale-if-error window, or (for errors
// only) the request's own stale-if-error. must-revalidate, proxy-revalidate, s-maxage and no-cache entries are never
// served stale, whatever the request says.
import { INVALID, deltaSeconds, parseCacheControl } from './cache-control.js'
import type { CachedResponse, RequestHeaders } from './types.js'

/** The answers RFC 5861 §4 lets stale-if-error stand in for (Ferry's own 502/503/504 included). */
export const ERROR_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504])

function neverStale (entry: CachedResponse): boolean {
  return entry.mustRevalidate || entry.noCache
}

/** Inside the response's stale-while-revalidate window: served at once while one revalidation runs behind it. */
export function servableWhileRevalidating (entry: CachedResponse, now: number): boolean {
  return !neverStale(entry) && entry.staleWhileRevalidateMs > 0 && now < entry.expiresAt + entry.staleWhileRevalidateMs
}

/**
 * Inside a stale-if-error window: the response's, or the request's own `stale-if-error=N` (RFC 5861 §4: the client
 * accepts a response stale by up to N seconds when the app fails; it cannot lift must-revalidate or no-cache).
 */
export function servableOnError (entry: CachedResponse, now: number, reqHeaders: RequestHeaders): boolean {
  if (neverStale(entry)) return false
  const staleMs = now - entry.expiresAt
  if (staleMs < entry.staleIfErrorMs) return true
  const cc = reqHeaders['cache-control']
  if (cc === undefined) return false
  const asked = parseCacheControl(cc).get('stale-if-error')
  if (asked === undefined || asked === INVALID) return false
  const seconds = deltaSeconds(asked)
  return seconds > 0 && staleMs < seconds * 1000
}
