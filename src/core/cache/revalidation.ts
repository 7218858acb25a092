// Revalidating a stored response (RFC 9111 §4.3): the conditional headers to ask the app with, and the entry a 304
// makes of the stored one. Pure: the caller (the miss path) sends the request and puts the result in the store
// (CacheStore.replace).
import { parseHttpDate } from './http-date.js'
import { storeDecision, type Headers } from './policy.js'
import { flatValue, headerObject, mergedHeaders } from './stored-headers.js'
import type { CachedResponse, RefusalReason } from './types.js'
import { varySelector } from './vary.js'

/**
 * The headers (flat [name, value, …]) to add to a request to the app that revalidates `entry`: If-None-Match with
 * its ETag, If-Modified-Since with its Last-Modified when that is a valid HTTP-date; both when it has both (the app
 * then decides by the ETag, RFC 9110 §13.2.2). Empty when it has no validator.
 */
export function conditionalHeaders (entry: CachedResponse): string[] {
  const out: string[] = []
  if (entry.etag !== undefined) out.push('If-None-Match', entry.etag)
  if (entry.lastModified !== undefined && parseHttpDate(entry.lastModified) !== undefined) out.push('If-Modified-Since', entry.lastModified)
  return out
}

/** The entry a 304 made; `storable` false (with the reason) when its new headers forbid keeping it. */
export type Updated =
  | { readonly storable: true, readonly entry: CachedResponse }
  | { readonly storable: false, readonly reason: RefusalReason, readonly entry: CachedResponse }

/**
 * The entry updated by a 304 received at `now` (RFC 9111 §4.3.4): the 304's headers replace the stored ones of the
 * same names (hop-by-hop, Connection-listed and framing fields aside, see stored-headers.ts), the body stays, and
 * freshness, validators and Vary are decided again from the merged headers as for a new response (Age and Date from
 * the 304). `reqHeaders`: the request that was revalidated (its Authorization, Cache-Control and, when the 304
 * changes Vary, the headers it names); without it, a changed Vary is ignored. The entry to answer the waiting client
 * with is always given; `storable` says whether it may replace the stored one (CacheStore.replace).
 */
export function updatedBy304 (entry: CachedResponse, headers304: readonly string[], now: number, reqHeaders: Headers = {}): Updated {
  const merged = mergedHeaders(entry.headers, entry.ferryCacheControl, headers304)
  const resH: Headers = headerObject(merged.headers)
  if (merged.ferryCacheControl !== undefined) resH['ferry-cache-control'] = merged.ferryCacheControl
  // Never stored, so not among the merged headers, but a 304 that sets a cookie is a personal answer: the policy
  // refuses it, and the client it answers gets its cookie.
  const setCookie = setCookieLines(headers304)
  if (setCookie.length > 0) resH['set-cookie'] = setCookie.filter((_, i) => i % 2 === 1)
  // Age and Date are the 304's own (Age is never stored; a Date it lacks would make the old one look like age).
  delete resH.date
  for (let i = 0; i < headers304.length; i += 2) {
    const lower = headers304[i]!.toLowerCase()
    if (lower === 'age' || lower === 'date') resH[lower] = headers304[i + 1]!
  }
  const decision = storeDecision({ method: 'GET', headers: { host: 'x', ...reqHeaders } }, { status: entry.status, headers: resH }, now, Number.MAX_SAFE_INTEGER)
  const base = { ...entry, headers: merged.headers, ferryCacheControl: merged.ferryCacheControl, storedAt: now }
  if (!decision.store) {
    // Not storable any more: fresh for no time, so it can only answer the request that revalidated it.
    const gone: CachedResponse = { ...base, headers: [...merged.headers, ...setCookie], expiresAt: now, keepUntil: now, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 }
    return { storable: false, reason: decision.reason, entry: gone }
  }
  const sameVary = decision.vary === undefined ? entry.vary === undefined : entry.vary !== undefined && decision.vary.join() === entry.vary.join()
  const keepVary = sameVary || Object.keys(reqHeaders).length === 0
  const next: CachedResponse = {
    ...base,
    ...decision.freshness,
    etag: decision.etag,
    lastModified: decision.lastModified,
    vary: keepVary ? entry.vary : decision.vary,
    varySelector: keepVary ? entry.varySelector : decision.vary === undefined ? '' : varySelector(decision.vary, reqHeaders)
  }
  return { storable: true, entry: next }
}

/** The Set-Cookie lines of a flat [name, value, …] list, as such a list. */
function setCookieLines (flat: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.length === 10 && flat[i]!.toLowerCase() === 'set-cookie') out.push(flat[i]!, flat[i + 1]!)
  return out
}

/**
 * Whether a 304 is about `entry` (RFC 9111 §4.3.4): a 304 that names an ETag selects the stored responses with that
 * ETag (weak comparison, RFC 9110 §8.8.3.2), so one naming another (or naming one when the entry has none) is about
 * some other representation and must not renew this one. A 304 without an ETag is taken to be about it.
 */
export function notModifiedMatches (entry: CachedResponse, headers304: readonly string[]): boolean {
  const etag = flatValue(headers304, 'etag')
  if (etag === undefined) return true
  return entry.etag !== undefined && opaque(entry.etag) === opaque(etag)
}

function opaque (etag: string): string {
  const t = etag.trim()
  return t.startsWith('W/') ? t.slice(2) : t
}
