// Cache keys. A key is made of parts joined by LF, which can never occur inside a Host header, a request target or
// a cookie (Node rejects CR/LF in both), so two different requests can never collide on one key: unlike a plain
// `scheme://host/path` string, a Host of `a/b` with path `/c` cannot pose as Host `a` with path `/b/c`.
//
//   urlKey   = scheme LF lowercase(Host) LF raw request target (path + query, not normalised)
//   cacheKey = urlKey                       when no vary-by-cookie is configured (cookieVariant undefined)
//            = urlKey LF "-"                when configured and the request does not carry the cookie (null)
//            = urlKey LF "=" value          when configured and the cookie is present (value may be ""; see cookieVariant)
//
// Every cacheKey starts with its urlKey, and the store keeps a secondary index urlKey → cacheKeys, so invalidation
// finds all cookie variants of a URL without scanning.

export type Scheme = 'http' | 'https'

export interface KeyParts {
  scheme: Scheme
  /** The Host header as received: lowercased here, port kept as given. */
  host: string
  /** The raw request target (path and query) as received: never normalised. */
  url: string
}

export function urlKey (o: KeyParts): string {
  return o.scheme + '\n' + o.host.toLowerCase() + '\n' + o.url
}

export function cacheKey (o: KeyParts & { cookieVariant?: string | null | undefined }): string {
  return withCookieVariant(urlKey(o), o.cookieVariant)
}

/** The cacheKey for a URL key already built (so a caller that needs both builds the URL key once). */
export function withCookieVariant (base: string, cookieVariant: string | null | undefined): string {
  if (cookieVariant === undefined) return base
  if (cookieVariant === null) return base + '\n-'
  return base + '\n=' + cookieVariant
}

/**
 * The value of cookie `name` in the request's Cookie header(s), or null when it is absent. A present cookie with an
 * empty value gives "". Pairs are separated by `;`, whitespace around names and values is ignored, one pair of
 * surrounding double quotes is removed (as the `cookie` package and most app frameworks do), names are
 * case-sensitive and nothing is percent-decoded (so distinct raw values always stay distinct keys).
 *
 * When the cookie occurs more than once (several Cookie headers, or cookies of one name set for several paths or
 * domains) all its values are returned, in order, joined by ";" — which cannot occur inside one value. Frameworks
 * disagree on whether the first or the last one wins; keying on both means a planted `sess=known` next to the
 * victim's `sess=secret` can never share an entry with a plain `sess=known`.
 */
export function cookieValue (cookieHeader: string | readonly string[] | undefined, name: string): string | null {
  if (cookieHeader === undefined) return null
  if (typeof cookieHeader === 'string') return scan(cookieHeader, name, null)
  let found: string | null = null
  for (const h of cookieHeader) found = scan(h, name, found)
  return found
}

function scan (header: string, name: string, found: string | null): string | null {
  let start = 0
  const len = header.length
  while (start < len) {
    let end = header.indexOf(';', start)
    if (end === -1) end = len
    const eq = header.indexOf('=', start)
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      let value = header.slice(eq + 1, end).trim()
      if (value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) value = value.slice(1, -1)
      found = found === null ? value : found + ';' + value
    }
    start = end + 1
  }
  return found
}

/**
 * The turbocache's variant for cookie `name` (--vary-turbocache-by-cookie): like cookieValue, but injective on what
 * apps may read. null when the cookie is absent; a present cookie with an empty value gives "". Pairs are separated
 * by `;` (whitespace before a pair ignored), names are case-sensitive and nothing is percent-decoded.
 *
 * Only a plain `name=value` gives its value. A pair apps read differently (whitespace around `=` or after the value,
 * a quoted value: the `cookie` package trims and unquotes, Rack keeps `lang ` and `"fr"` as they are) gives CR and
 * the pair as sent instead: CR never occurs in a header, so `lang="fr"` (an unknown language to a Rack app, which
 * answers its default page) can never share the entry of a plain `lang=fr`.
 *
 * When the cookie occurs more than once (several Cookie headers, or cookies of one name set for several paths or
 * domains) all its values are returned, in order, joined by ";" — which cannot occur inside one value. Frameworks
 * disagree on whether the first or the last one wins; keying on both means a planted `sess=known` next to the
 * victim's `sess=secret` can never share an entry with a plain `sess=known`.
 */
export function cookieVariant (cookieHeader: string | readonly string[] | undefined, name: string): string | null {
  if (cookieHeader === undefined) return null
  if (typeof cookieHeader === 'string') return scanVariant(cookieHeader, name, null)
  let found: string | null = null
  for (const h of cookieHeader) found = scanVariant(h, name, found)
  return found
}

const isBlank = (c: number): boolean => c === 32 || c === 9

function scanVariant (header: string, name: string, found: string | null): string | null {
  let start = 0
  const len = header.length
  while (start < len) {
    let end = header.indexOf(';', start)
    if (end === -1) end = len
    while (start < end && isBlank(header.charCodeAt(start))) start++
    const eq = header.indexOf('=', start)
    if (eq !== -1 && eq < end) {
      const rawName = header.slice(start, eq)
      if (rawName === name || rawName.trimEnd() === name) {
        const raw = header.slice(eq + 1, end)
        const plain = rawName === name && raw.length === raw.trim().length && !(raw.length >= 2 && raw.charCodeAt(0) === 34 && raw.charCodeAt(raw.length - 1) === 34)
        const value = plain ? raw : '\r' + header.slice(start, end)
        found = found === null ? value : found + ';' + value
      }
    }
    start = end + 1
  }
  return found
}
