// The turbocache policy: pure functions deciding what may be served from the cache, what may be stored and what
// a write invalidates. No I/O, no clock of its own (callers pass `now`, in ms, from the same clock as the store).
//
// Stricter than RFC 9111 on purpose, and than the reference (docs/reference passenger.md §1): only explicit
// freshness is stored (never heuristic), Set-Cookie and `Vary: *` refuse (other Vary values are stored as variants,
// see vary.ts and memory-store.ts), s-maxage beats max-age beats Expires,
// Ferry-Cache-Control beats CDN-Cache-Control beats Cache-Control (cache-control.ts),
// any final status but 206 may be stored given explicit freshness, HEAD never stores and is answered without a body, the key is case-insensitive in the host. An entry past its
// freshness is kept only while it can be revalidated (it has a validator) or an RFC 5861 window is open; the hit
// path never serves it (see types.ts Freshness). The refusals run first; freshness.ts does the arithmetic.
import { urlKey, type Scheme } from './key.js'
import { deltaSeconds, header, parseCacheControl, responseDirectives } from './cache-control.js'
import { freshnessOf, hasExplicitFreshness } from './freshness.js'
import { parseHttpDate } from './http-date.js'
import type { CachedResponse, Freshness, RefusalReason } from './types.js'
import { parseVary, VARY_ANY } from './vary.js'

export { INVALID, parseCacheControl, type Directives } from './cache-control.js'

export type Headers = Record<string, string | string[] | undefined>

/**
 * - `lookup`: may be served from the cache. For GET, a miss's response may then be stored. For HEAD, a hit is
 *   answered from the stored GET without a body; a miss goes to the app and its response is never stored (it has
 *   no body): the caller records only GET misses, and storeDecision refuses anything but GET ('method') anyway.
 * - `refresh`: a GET that must go to the app (request no-cache, max-age=0 or Pragma: no-cache; or Authorization, so
 *   the app checks the credentials); its response may be stored and then replaces the entry (one to a request with
 *   Authorization only if it says public or s-maxage: RFC 9111 §3.5 also allows must-revalidate, but browser-meant
 *   `max-age=60, must-revalidate` on personalised API answers is common, so that one is not shared).
 * - `bypass`: neither served nor stored (other methods, request no-store, no Host header, a request with a body, or
 *   a HEAD that asks for revalidation or carries Authorization).
 */
export type RequestMode = 'lookup' | 'refresh' | 'bypass'

/** A response that may be stored: how fresh it is, what it varies on and its validators. */
export interface Storable {
  readonly store: true
  readonly freshness: Freshness
  /** Lowercase names from Vary; undefined without one. */
  readonly vary: readonly string[] | undefined
  readonly etag: string | undefined
  readonly lastModified: string | undefined
}

export type StoreDecision = Storable | { store: false, reason: RefusalReason }

/**
 * Whether a response of this status may be stored at all (given explicit freshness): any final status (RFC 9111
 * §3) but 206 (Ferry stores no partial content) and 304 (an answer to a conditional request, not a response).
 */
export function storableStatus (status: number): boolean {
  return status >= 200 && status <= 599 && status !== 206 && status !== 304
}

/** The final status codes RFC 9110 defines: what `must-understand` lets Ferry store (see storeDecision). */
const UNDERSTOOD_STATUSES: ReadonlySet<number> = new Set([
  200, 201, 202, 203, 204, 205, 300, 301, 302, 303, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426,
  500, 501, 502, 503, 504, 505
])

/**
 * Statuses a cache may store without explicit freshness (RFC 9110 §15.1, "heuristically cacheable"): Ferry never
 * makes up a freshness lifetime, but stores such a response when it says no-cache and has a validator (fresh for
 * no time, revalidated on every use).
 */
const HEURISTIC_STATUSES: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501])

/** The request field Ferry sets per client for the app (headers.ts requestHeadersForApp): never a Vary selector. */
const PER_CLIENT_FIELD = 'x-forwarded-for'

/** RFC 9110 §9.2.1 safe methods (methods are case-sensitive): any other one may change the resource. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

function lowercaseKeys (headers: Headers): Headers {
  const out: Headers = {}
  for (const k of Object.keys(headers)) {
    const v = headers[k]
    if (v === undefined) continue
    const lk = k.toLowerCase()
    const prev = out[lk]
    out[lk] = prev === undefined ? v : ([] as string[]).concat(prev, v)
  }
  return out
}

export function requestMode (method: string, headers: Headers): RequestMode {
  const head = method === 'HEAD'
  if (method !== 'GET' && !head) return 'bypass'
  const host = headers.host
  if (host === undefined || host === '' || Array.isArray(host)) return 'bypass'
  // A GET with a body ("fat GET"): the key holds no body, but apps may read it (Rails parses a form body whatever
  // the method), so its answer could be made from input no other request shares.
  const length = headers['content-length']
  if (headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) return 'bypass'
  let refresh = headers.authorization !== undefined
  const cc = headers['cache-control']
  if (cc !== undefined) {
    const d = parseCacheControl(cc)
    if (d.has('no-store')) return 'bypass'
    if (d.has('no-cache')) refresh = true
    else if (d.has('max-age') && deltaSeconds(d.get('max-age')) <= 0) refresh = true // 0, or unparsable
  }
  if (!refresh) {
    const pragma = header(headers, 'pragma')
    if (pragma !== undefined && pragma.toLowerCase().includes('no-cache')) refresh = true
  }
  if (refresh) return head ? 'bypass' : 'refresh'
  return 'lookup'
}

/**
 * The refusal storeDecision gives, found without copying or parsing anything, for the most common miss: a response
 * that says nothing about caching (no Cache-Control, targeted cache field, Pragma or Expires) to a GET without
 * Cache-Control. Undefined when
 * the full decision is needed. `rawResHeaders` is the flat [name, value, …] list as received; `reqHeaders` Node's
 * lower-cased request headers. A table test holds it to storeDecision's answers.
 */
export function plainResponseRefusal (reqHeaders: Headers, status: number, rawResHeaders: readonly string[]): RefusalReason | undefined {
  if (reqHeaders['cache-control'] !== undefined) return undefined
  for (let i = 0; i < rawResHeaders.length; i += 2) {
    const n = rawResHeaders[i]!
    // Only names of these lengths can be Cache-Control (13), Pragma (6), Expires (7), CDN-Cache-Control (17) or
    // Ferry-Cache-Control (19).
    const len = n.length
    if (len !== 13 && len !== 6 && len !== 7 && len !== 17 && len !== 19) continue
    const lower = n.toLowerCase()
    if (lower === 'cache-control' || lower === 'pragma' || lower === 'expires' || lower === 'cdn-cache-control' || lower === 'ferry-cache-control') return undefined
  }
  if (reqHeaders.authorization !== undefined) return 'authorization'
  if (!storableStatus(status)) return 'status'
  return 'no-freshness'
}

/**
 * Decides whether a response may be stored. `req.headers` and `res.headers` may have names in any case. When the
 * body length is known (Content-Length) pass it as `contentLength` to refuse early; when it is not (chunked), the
 * caller stops buffering once the body passes `maxEntryBytes` and records a 'too-large' refusal; the store refuses
 * any entry whose total size passes its own maxEntryBytes.
 *
 * Stored: a response with explicit freshness that is still fresh, or stale but of use (a validator, an RFC 5861
 * window); and a no-cache response with a validator (revalidated on every use). See freshness.ts for the times.
 */
export function storeDecision (
  req: { method: string, url?: string, headers: Headers },
  res: { status: number, headers: Headers },
  now: number,
  maxEntryBytes: number,
  contentLength?: number
): StoreDecision {
  if (req.method !== 'GET') return { store: false, reason: 'method' }
  const reqH = lowercaseKeys(req.headers)
  const resH = lowercaseKeys(res.headers)
  const reqCc = parseCacheControl(reqH['cache-control'])
  if (reqCc.has('no-store')) return { store: false, reason: 'request-no-store' }
  // Directives are checked parsed and, as a safety net, as substrings of the raw header: a malformed
  // `max-age=60;private` or `no-cache="set-cookie"` still refuses. A qualified no-cache="field" is taken as a plain
  // no-cache (the whole response revalidated), a qualified private="field" as a plain private.
  const { directives: cc, raw: rawCc, field } = responseDirectives(resH)
  // A targeted field (RFC 9213) is used alone: Cache-Control, Pragma and Expires do not count then.
  const targeted = field !== undefined && field !== 'cache-control'
  if (targeted) delete resH.expires
  // RFC 9111 §3.5: a response to a request with Authorization is shared only when it says it may be.
  if (reqH.authorization !== undefined && !(cc.has('public') || cc.has('s-maxage'))) return { store: false, reason: 'authorization' }
  if (!storableStatus(res.status)) return { store: false, reason: 'status' }
  // RFC 9111 §5.2.2.3: must-understand limits storing to caches that implement the status code's semantics; Ferry
  // claims only RFC 9110's own codes. (The RFC lets such a cache ignore no-store; Ferry still honours it.)
  if (cc.has('must-understand') && !UNDERSTOOD_STATUSES.has(res.status)) return { store: false, reason: 'status' }
  if (cc.has('private') || rawCc.includes('private')) return { store: false, reason: 'private' }
  if (cc.has('no-store') || rawCc.includes('no-store')) return { store: false, reason: 'no-store' }
  const pragma = header(resH, 'pragma')
  const noCache = cc.has('no-cache') || rawCc.includes('no-cache') || (!targeted && pragma !== undefined && pragma.toLowerCase().includes('no-cache'))
  const etag = header(resH, 'etag')
  const lastModified = header(resH, 'last-modified')
  const hasValidator = etag !== undefined || parseHttpDate(lastModified, now) !== undefined
  // no-cache without a validator: every use would be a full request to the app, so keeping it is of no use.
  if (noCache && !hasValidator) return { store: false, reason: 'no-cache' }
  if (!hasExplicitFreshness(cc, resH) && !(noCache && HEURISTIC_STATUSES.has(res.status))) return { store: false, reason: 'no-freshness' }
  const vary = parseVary(resH.vary)
  if (vary === VARY_ANY) return { store: false, reason: 'vary' }
  // Ferry writes X-Forwarded-For itself, ending with the client's address: the app sees a value no request header
  // holds, so a selector made of the request's would let one address's answer reach another (a geo page, say).
  if (vary !== undefined && vary.includes(PER_CLIENT_FIELD)) return { store: false, reason: 'vary' }
  const setCookie = resH['set-cookie']
  if (setCookie !== undefined && !(Array.isArray(setCookie) && setCookie.length === 0)) return { store: false, reason: 'set-cookie' }
  if (contentLength !== undefined && contentLength > maxEntryBytes) return { store: false, reason: 'too-large' }

  const freshness = freshnessOf(cc, resH, now, noCache, hasValidator)
  if (freshness.keepUntil <= now) return { store: false, reason: 'no-freshness' }
  return { store: true, freshness, vary, etag, lastModified }
}

/** The Age header for a hit: whole seconds, initial age plus time resident in the cache (never negative). */
export function ageHeader (entry: CachedResponse, now: number): string {
  return String(ageSeconds(entry, now))
}

/** ageHeader's value as a number (a hit compares it with the one its kept wire form was built with). */
export function ageSeconds (entry: CachedResponse, now: number): number {
  const resident = Math.floor((now - entry.storedAt) / 1000)
  return entry.initialAgeSeconds + (resident > 0 ? resident : 0)
}

/**
 * The URL keys (see key.ts `urlKey`) a response invalidates (RFC 9111 §4.4): after a 2xx/3xx answer to any unsafe
 * method (anything but GET, HEAD, OPTIONS and TRACE: POST, PUT, PATCH, DELETE, M-SEARCH, PROPPATCH…), the
 * request's own URL and its Location / Content-Location when they point at the same host (relative references are
 * resolved against the request URL; absolute ones on another host are ignored, so an app cannot make Ferry drop
 * another site's entries). Callers drop every cookie variant of each key (MemoryStore.deleteUrl).
 *
 * Raw path-absolute values (`/x?y`) are used as sent, since stored keys hold raw request targets; resolved URLs
 * are added in WHATWG-normalised form too when that differs. Extra keys only cost a Map miss. `scheme` is the
 * request's (the builtin engine only speaks http, hence the default).
 */
export function invalidations (
  method: string,
  status: number,
  requestUrl: string,
  host: string,
  resHeaders: Headers,
  scheme: Scheme = 'http'
): string[] {
  if (SAFE_METHODS.has(method) || status < 200 || status >= 400) return []
  const keys = new Set<string>([urlKey({ scheme, host, url: requestUrl })])
  let base: URL
  try {
    base = new URL(requestUrl, `${scheme}://${host}`)
  } catch {
    return [...keys]
  }
  // Other spellings of the target that apps route to the same path (`/p?`, `/p#x`, `/./p`, `/x/../p`, `/%2e/p`): the
  // entry stored for `GET /p` goes too. Dropping one more key than needed is always safe.
  keys.add(urlKey({ scheme, host, url: base.pathname + base.search }))
  const h = lowercaseKeys(resHeaders)
  for (const name of ['location', 'content-location']) {
    const raw = h[name]
    for (const ref of raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw) {
      const value = ref.trim()
      if (value === '') continue
      if (value.startsWith('/') && !value.startsWith('//')) {
        const hash = value.indexOf('#')
        keys.add(urlKey({ scheme, host, url: hash === -1 ? value : value.slice(0, hash) }))
      }
      let target: URL
      try {
        target = new URL(value, base)
      } catch {
        continue
      }
      if ((target.protocol !== 'http:' && target.protocol !== 'https:') || target.host !== base.host) continue
      const targetScheme: Scheme = target.protocol === 'https:' ? 'https' : 'http'
      const url = target.pathname + target.search
      keys.add(urlKey({ scheme: targetScheme, host, url }))
      if (target.host !== host.toLowerCase()) keys.add(urlKey({ scheme: targetScheme, host: target.host, url }))
    }
  }
  return [...keys]
}
