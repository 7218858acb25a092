// The turbocache policy: pure functions deciding what may be served from the cache, what may be stored and what
// a write invalidates. No I/O, no clock of its own (callers pass `now`, in ms, from the same clock as the store).
//
// Stricter than RFC 9111 on purpose, and than the reference (docs/reference passenger.md §1): only explicit
// freshness is stored (never heuristic), Set-Cookie and any Vary refuse, s-maxage beats max-age beats Expires,
// stale entries are never served, HEAD never stores and is answered without a body, the key is case-insensitive
// in the host. Freshness arithmetic is http-cache-semantics' (fed with headers we have already parsed and
// validated); the refusals are ours and run first.
import CachePolicy from 'http-cache-semantics'
import { urlKey, type Scheme } from './key.js'
import type { CachedResponse, RefusalReason } from './types.js'

export type Headers = Record<string, string | string[] | undefined>

/**
 * - `lookup`: may be served from the cache. For GET, a miss's response may then be stored. For HEAD, a hit is
 *   answered from the stored GET without a body; a miss goes to the app and its response is never stored (it has
 *   no body): the caller records only GET misses, and storeDecision refuses anything but GET ('method') anyway.
 * - `refresh`: a GET that must go to the app (request no-cache, max-age=0 or Pragma: no-cache); its response may be
 *   stored and then replaces the entry.
 * - `bypass`: neither served nor stored (other methods, Authorization, request no-store, no Host header, or a HEAD
 *   that asks for revalidation).
 */
export type RequestMode = 'lookup' | 'refresh' | 'bypass'

export type StoreDecision =
  | { store: true, expiresAt: number, initialAgeSeconds: number }
  | { store: false, reason: RefusalReason }

/** The statuses the issue allows storing (the reference's list; 206, 302, 307, 308 … are never stored). */
export const STORABLE_STATUSES: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 404, 405, 410, 414, 501])

const INVALIDATING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Header lookup on Node's header objects (names already lowercase); several values are joined with ", ". */
function header (headers: Headers, name: string): string | undefined {
  const v = headers[name]
  if (v === undefined) return undefined
  return typeof v === 'string' ? v : v.length === 0 ? undefined : v.join(', ')
}

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

/** A directive that occurs twice with different values, or whose delta-seconds do not parse. */
export const INVALID = Symbol('invalid')
export type Directives = Map<string, string | true | typeof INVALID>

/**
 * Parses Cache-Control (RFC 9111 §5.2): directive names case-insensitive (lowercased here), optional
 * whitespace anywhere between items, values as tokens or quoted strings (commas and escapes inside quotes kept
 * inside the value), empty items ignored. A directive repeated with a different value becomes INVALID.
 */
export function parseCacheControl (value: string | readonly string[] | undefined): Directives {
  const out: Directives = new Map()
  if (value === undefined) return out
  const s = typeof value === 'string' ? value : value.join(',')
  let i = 0
  const n = s.length
  while (i < n) {
    let j = i
    while (j < n && s[j] !== ',' && s[j] !== '=') j++
    const name = s.slice(i, j).trim().toLowerCase()
    let v: string | true = true
    if (j < n && s[j] === '=') {
      j++
      while (j < n && (s[j] === ' ' || s[j] === '\t')) j++
      if (s[j] === '"') {
        let buf = ''
        j++
        while (j < n && s[j] !== '"') {
          if (s[j] === '\\' && j + 1 < n) j++
          buf += s[j]
          j++
        }
        j++ // closing quote (or end)
        v = buf
        while (j < n && s[j] !== ',') j++ // junk after a quoted string is ignored
      } else {
        const start = j
        while (j < n && s[j] !== ',') j++
        v = s.slice(start, j).trim()
      }
    }
    if (name !== '') {
      const prev = out.get(name)
      out.set(name, prev === undefined || prev === v ? v : INVALID)
    }
    i = j + 1
  }
  return out
}

/** delta-seconds (1*DIGIT, quoted form accepted by the parser above); anything else is -1. */
function deltaSeconds (v: string | true | typeof INVALID | undefined): number {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return -1
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : 2147483648 // RFC 9111 §1.2.2: overflow means 2^31
}

export function requestMode (method: string, headers: Headers): RequestMode {
  const head = method === 'HEAD'
  if (method !== 'GET' && !head) return 'bypass'
  const host = headers.host
  if (host === undefined || host === '' || Array.isArray(host)) return 'bypass'
  if (headers.authorization !== undefined) return 'bypass'
  let refresh = false
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

// http-cache-semantics reads the clock through its (undocumented but stable) `now()` method; this subclass makes it
// read the caller's `now` instead, so the decision is a pure function of its arguments.
let clock = 0
class PolicyAt extends CachePolicy {
  now (): number { return clock }
}

/**
 * Decides whether a response may be stored. `req.headers` and `res.headers` may have names in any case. When the
 * body length is known (Content-Length) pass it as `contentLength` to refuse early; when it is not (chunked), the
 * caller stops buffering once the body passes `maxEntryBytes` and records a 'too-large' refusal; the store refuses
 * any entry whose total size passes its own maxEntryBytes.
 *
 * On success, `expiresAt` = now + (freshness lifetime − initial age), where `initialAgeSeconds` is the larger of the
 * response's Age header and its apparent age (now − Date); the freshness lifetime is s-maxage, else max-age, else Expires − Date (Date missing or
 * invalid: Expires − now), measured with http-cache-semantics' maxAge() (not timeToLive(), which would add
 * stale-while-revalidate / stale-if-error time: we never serve stale).
 */
/**
 * The refusal storeDecision gives, found without copying or parsing anything, for the most common miss: a response
 * that says nothing about caching (no Cache-Control, Pragma or Expires) to a GET without Cache-Control. Undefined when
 * the full decision is needed. `rawResHeaders` is the flat [name, value, …] list as received; `reqHeaders` Node's
 * lower-cased request headers. A table test holds it to storeDecision's answers.
 */
export function plainResponseRefusal (reqHeaders: Headers, status: number, rawResHeaders: readonly string[]): RefusalReason | undefined {
  if (reqHeaders['cache-control'] !== undefined) return undefined
  for (let i = 0; i < rawResHeaders.length; i += 2) {
    const n = rawResHeaders[i]!
    // Only names of these lengths can be Cache-Control (13), Pragma (6) or Expires (7).
    if (n.length !== 13 && n.length !== 6 && n.length !== 7) continue
    const lower = n.toLowerCase()
    if (lower === 'cache-control' || lower === 'pragma' || lower === 'expires') return undefined
  }
  if (reqHeaders.authorization !== undefined) return 'authorization'
  if (!STORABLE_STATUSES.has(status)) return 'status'
  return 'no-freshness'
}

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
  if (reqH.authorization !== undefined) return { store: false, reason: 'authorization' }
  if (!STORABLE_STATUSES.has(res.status)) return { store: false, reason: 'status' }

  // Directives are checked parsed and, as a safety net, as substrings of the raw header: a malformed
  // `max-age=60;private` or `no-cache="set-cookie"` still refuses.
  const rawCc = (header(resH, 'cache-control') ?? '').toLowerCase()
  const cc = parseCacheControl(rawCc)
  if (cc.has('private') || rawCc.includes('private')) return { store: false, reason: 'private' }
  if (cc.has('no-store') || rawCc.includes('no-store')) return { store: false, reason: 'no-store' }
  if (cc.has('no-cache') || rawCc.includes('no-cache')) return { store: false, reason: 'no-cache' }
  const pragma = header(resH, 'pragma')
  if (pragma !== undefined && pragma.toLowerCase().includes('no-cache')) return { store: false, reason: 'no-cache' }

  const expires = header(resH, 'expires')
  if (!cc.has('s-maxage') && !cc.has('max-age') && expires === undefined) return { store: false, reason: 'no-freshness' }
  if (resH.vary !== undefined) return { store: false, reason: 'vary' }
  const setCookie = resH['set-cookie']
  if (setCookie !== undefined && !(Array.isArray(setCookie) && setCookie.length === 0)) return { store: false, reason: 'set-cookie' }
  if (contentLength !== undefined && contentLength > maxEntryBytes) return { store: false, reason: 'too-large' }

  // Hand the library only validated values: lowercase directive names, delta-seconds as plain integers (invalid or
  // conflicting ones as 0, i.e. stale), other directives as bare flags.
  const parts: string[] = []
  for (const [name, v] of cc) {
    if (name === 'max-age' || name === 's-maxage') parts.push(`${name}=${Math.max(0, deltaSeconds(v))}`)
    else if (/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) parts.push(name)
  }
  const libRes: Record<string, string> = {}
  for (const name of ['date', 'expires', 'age', 'last-modified']) {
    const v = header(resH, name)
    if (v !== undefined) libRes[name] = v
  }
  if (parts.length > 0) libRes['cache-control'] = parts.join(', ')
  const libReq: Record<string, string> = { host: header(reqH, 'host') ?? '' }

  clock = now
  const policy = new PolicyAt(
    { method: 'GET', url: req.url ?? '/', headers: libReq },
    { status: res.status, headers: libRes },
    { shared: true, cacheHeuristic: 0, immutableMinTimeToLive: 0 }
  )
  if (!policy.storable()) return { store: false, reason: 'no-freshness' }
  const lifetime = policy.maxAge()
  // RFC 9111 §4.2.3 corrected initial age: the larger of the Age header and the apparent age (now − Date, whole
  // seconds, Date having one-second resolution). Without the apparent age, a Date in the past would stretch an
  // Expires beyond its absolute time, and an app replaying an old document with max-age would look fresh.
  const ageValue = deltaSeconds(header(resH, 'age')?.split(',')[0]?.trim())
  const dateMs = Date.parse(header(resH, 'date') ?? '')
  const apparentAge = Number.isFinite(dateMs) && now > dateMs ? Math.floor((now - dateMs) / 1000) : 0
  const initialAgeSeconds = Math.max(ageValue < 0 ? 0 : ageValue, apparentAge)
  const remainingMs = Math.floor((lifetime - initialAgeSeconds) * 1000)
  if (!(remainingMs > 0)) return { store: false, reason: 'no-freshness' }
  return { store: true, expiresAt: now + remainingMs, initialAgeSeconds }
}

/** The Age header for a hit: whole seconds, initial age plus time resident in the cache (never negative). */
export function ageHeader (entry: CachedResponse, now: number): string {
  const resident = Math.floor((now - entry.storedAt) / 1000)
  return String(entry.initialAgeSeconds + (resident > 0 ? resident : 0))
}

/**
 * The URL keys (see key.ts `urlKey`) a response invalidates: after a 2xx/3xx POST, PUT, PATCH or DELETE, the
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
  if (!INVALIDATING_METHODS.has(method) || status < 200 || status >= 400) return []
  const keys = new Set<string>([urlKey({ scheme, host, url: requestUrl })])
  let base: URL
  try {
    base = new URL(requestUrl, `${scheme}://${host}`)
  } catch {
    return [...keys]
  }
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
