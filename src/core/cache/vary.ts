// Vary (RFC 9110 §12.5.5, RFC 9111 §4.1): a stored response is reused only for requests whose headers named in its
// Vary match those of the request that fetched it. The store keeps such responses as variants of one key, each
// under a selector: the normalised values of those request headers.
import type { RequestHeaders } from './types.js'

/** `Vary: *`: the response varies on things outside the request; never stored. */
export const VARY_ANY = '*'

/**
 * The header names a Vary value lists, lowercased and without repeats, in order; undefined when there are none
 * (no Vary, or an empty one: it varies on nothing), VARY_ANY when `*` is among them.
 */
export function parseVary (value: string | readonly string[] | undefined): readonly string[] | typeof VARY_ANY | undefined {
  if (value === undefined) return undefined
  const names: string[] = []
  for (const part of (typeof value === 'string' ? value : value.join(',')).split(',')) {
    const name = part.trim().toLowerCase()
    if (name === '') continue
    if (name === VARY_ANY) return VARY_ANY
    if (!names.includes(name)) names.push(name)
  }
  return names.length === 0 ? undefined : names
}

/**
 * The selector of a request for the Vary names `names`: per name, the request's value normalised (repeats joined
 * with ",", no spaces or tabs around commas or at the ends; inside a value they are kept), or a mark for its absence
 * (an absent header is not an empty one). LF cannot occur in a header value, so selectors never collide.
 */
export function varySelector (names: readonly string[], headers: RequestHeaders): string {
  let out = ''
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += '\n'
    // Own fields only: `Vary: constructor` must not read Object.prototype's (and throw on every request).
    const name = names[i]!
    const v = Object.hasOwn(headers, name) ? headers[name] : undefined
    if (v === undefined) { out += '\u0000'; continue }
    out += '=' + normalise(typeof v === 'string' ? v : v.join(','))
  }
  return out
}

function normalise (value: string): string {
  // Only whitespace around commas (list syntax) and at the ends: a run of spaces inside a value can matter to the
  // app ("Mozilla/5.0  (iPhone" fails a sniffer's match), so two such values must not share a variant.
  return value.replace(/[ \t]*,[ \t]*/g, ',').trim()
}
