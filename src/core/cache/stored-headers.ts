// Which of a response's headers a cache entry keeps (RFC 9111 §3.1), and how a 304 updates them (§3.2, §4.3.4).
// Hop-by-hop fields and those the response's Connection names belong to one connection: never stored, so never
// replayed on a hit. Framing and Age are set when an entry is served; Set-Cookie is never shared; Ferry-Cache-Control
// is meant for Ferry alone; X-Ferry-OOB-Work is a message from the app to Ferry.

/**
 * RFC 9110 §7.6.1 and the usual non-standard ones: at least every field the proxy drops when passing responses
 * through (server/headers.ts HOP_BY_HOP, Expect and HTTP2-Settings included), so a hit never shows one a miss hid.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'expect', 'http2-settings']
const NEVER_STORED: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'content-length', 'age', 'set-cookie', 'x-ferry-oob-work', 'ferry-cache-control'])

/** The Ferry-specific targeted cache field (RFC 9213), for the turbocache only. */
const FERRY_CACHE_CONTROL = 'ferry-cache-control'

/** The lowercase names the Connection headers of a flat [name, value, …] list list. */
function connectionListed (flat: readonly string[]): Set<string> | undefined {
  let out: Set<string> | undefined
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i]!.length !== 10 || flat[i]!.toLowerCase() !== 'connection') continue
    for (const t of flat[i + 1]!.split(',')) {
      const name = t.trim().toLowerCase()
      if (name !== '') (out ??= new Set()).add(name)
    }
  }
  return out
}

export interface StoredHeaders {
  /** Flat [name, value, …] list to store and replay. */
  readonly headers: string[]
  /** Ferry-Cache-Control's value(s), joined, kept apart (never sent to clients); undefined when absent. */
  readonly ferryCacheControl: string | undefined
}

/** What an entry keeps of the app's flat header list. */
export function storedHeaders (flat: readonly string[]): StoredHeaders {
  const listed = connectionListed(flat)
  const headers: string[] = []
  let ferryCacheControl: string | undefined
  for (let i = 0; i < flat.length; i += 2) {
    const lower = flat[i]!.toLowerCase()
    if (lower === FERRY_CACHE_CONTROL) ferryCacheControl = ferryCacheControl === undefined ? flat[i + 1]! : `${ferryCacheControl}, ${flat[i + 1]!}`
    if (NEVER_STORED.has(lower) || (listed !== undefined && listed.has(lower))) continue
    headers.push(flat[i]!, flat[i + 1]!)
  }
  return { headers, ferryCacheControl }
}

/**
 * The stored headers updated by a 304's (RFC 9111 §3.2): every field the 304 carries (those that are never stored
 * aside) replaces all stored lines of its name; the others stay. Content-Length is never taken from a 304.
 */
export function mergedHeaders (stored: readonly string[], storedFerry: string | undefined, flat304: readonly string[]): StoredHeaders {
  const update = storedHeaders(flat304)
  const replaced = new Set<string>()
  for (let i = 0; i < update.headers.length; i += 2) replaced.add(update.headers[i]!.toLowerCase())
  const headers: string[] = []
  for (let i = 0; i < stored.length; i += 2) if (!replaced.has(stored[i]!.toLowerCase())) headers.push(stored[i]!, stored[i + 1]!)
  headers.push(...update.headers)
  return { headers, ferryCacheControl: update.ferryCacheControl ?? storedFerry }
}

/** A flat list as an object with lowercase names; repeats become arrays. */
export function headerObject (flat: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase()
    const prev = out[name]
    out[name] = prev === undefined ? flat[i + 1]! : Array.isArray(prev) ? [...prev, flat[i + 1]!] : [prev, flat[i + 1]!]
  }
  return out
}

/** The first value of header `lower` in a flat list. */
export function flatValue (flat: readonly string[], lower: string): string | undefined {
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.toLowerCase() === lower) return flat[i + 1]!
  return undefined
}
