// Freshness (RFC 9111 §4.2) of a response a shared cache stores: explicit only (s-maxage, else max-age, else
// Expires − Date), never heuristic; corrected initial age from Age and the apparent age; and how long past its
// freshness the entry stays of use (revalidation, stale-while-revalidate / stale-if-error windows).
import { INVALID, deltaSeconds, header, type Directives } from './cache-control.js'
import { parseHttpDate } from './http-date.js'
import type { Freshness, RequestHeaders } from './types.js'

/**
 * How long an entry with a validator (ETag, Last-Modified) is kept once stale, for a conditional request to renew
 * it cheaply (the LRU may drop it sooner). An hour: long enough for pages revalidated on every use, short enough
 * that what nobody asks for again does not sit in memory for days.
 */
export const STALE_KEEP_MS = 60 * 60 * 1000

/** Whether the response states any explicit freshness (a directive or Expires, valid or not). */
export function hasExplicitFreshness (cc: Directives, resH: RequestHeaders): boolean {
  return cc.has('s-maxage') || cc.has('max-age') || resH.expires !== undefined
}

/**
 * The freshness lifetime in seconds: s-maxage, else max-age (invalid or conflicting: 0), else Expires − Date with
 * both parsed strictly (an Expires that is not an HTTP-date means already expired; an invalid Date is ignored, the
 * response time standing in for it), else 0.
 */
function lifetimeSeconds (cc: Directives, resH: RequestHeaders, now: number): number {
  for (const name of ['s-maxage', 'max-age']) {
    if (cc.has(name)) return Math.max(0, deltaSeconds(cc.get(name)))
  }
  const expiresRaw = header(resH, 'expires')
  if (expiresRaw === undefined) return 0
  // Several Expires values (or a list): not one date, so expired.
  const expires = parseHttpDate(expiresRaw, now)
  if (expires === undefined) return 0
  const date = parseHttpDate(header(resH, 'date'), now) ?? now
  return Math.max(0, (expires - date) / 1000)
}

/** RFC 9111 §4.2.3 corrected initial age: the larger of the Age header and the apparent age (now − Date), whole seconds. */
function initialAge (resH: RequestHeaders, now: number): number {
  const ageValue = deltaSeconds(header(resH, 'age')?.split(',')[0]?.trim())
  const date = parseHttpDate(header(resH, 'date'), now)
  const apparentAge = date !== undefined && now > date ? Math.floor((now - date) / 1000) : 0
  return Math.max(ageValue < 0 ? 0 : ageValue, apparentAge)
}

/** A stale-while-revalidate / stale-if-error window in ms (absent, invalid or conflicting: 0). */
function window (cc: Directives, name: string): number {
  const v = cc.get(name)
  if (v === undefined || v === INVALID) return 0
  const s = deltaSeconds(v)
  return s > 0 ? s * 1000 : 0
}

/**
 * The freshness of a response received at `now`. `noCache` and `hasValidator` are decided by the caller (they
 * also decide whether it is stored at all). Without a validator a stale entry is of use only inside its RFC 5861
 * windows, which must-revalidate, proxy-revalidate, s-maxage and no-cache close.
 */
export function freshnessOf (cc: Directives, resH: RequestHeaders, now: number, noCache: boolean, hasValidator: boolean): Freshness {
  const initialAgeSeconds = initialAge(resH, now)
  const remainingMs = Math.floor((lifetimeSeconds(cc, resH, now) - initialAgeSeconds) * 1000)
  const expiresAt = now + remainingMs
  const mustRevalidate = cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage')
  const closed = mustRevalidate || noCache
  const staleWhileRevalidateMs = closed ? 0 : window(cc, 'stale-while-revalidate')
  const staleIfErrorMs = closed ? 0 : window(cc, 'stale-if-error')
  // The windows run from the end of freshness; a validator keeps the entry for STALE_KEEP_MS past it (or past now).
  const windowEnd = expiresAt + Math.max(staleWhileRevalidateMs, staleIfErrorMs)
  const keepUntil = hasValidator ? Math.max(windowEnd, Math.max(expiresAt, now) + STALE_KEEP_MS) : windowEnd
  return {
    initialAgeSeconds,
    expiresAt,
    keepUntil,
    staleWhileRevalidateMs,
    staleIfErrorMs,
    mustRevalidate,
    noCache
  }
}
