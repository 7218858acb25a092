// Cache-Control (RFC 9111 §5.2) parsing, and the choice of the field the turbocache obeys: the targeted fields of
// RFC 9213 come first (Ferry-Cache-Control, for this cache alone, then CDN-Cache-Control, for every CDN-like cache),
// and the first of them that is present and a valid Structured Fields Dictionary is used alone: Cache-Control,
// Pragma and Expires are then ignored, so an app can cache in Ferry what browsers must not.
import { Token, parseDictionary } from 'structured-headers'
import type { RequestHeaders } from './types.js'

/** A directive that occurs twice with different values. */
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
export function deltaSeconds (v: string | true | typeof INVALID | undefined): number {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return -1
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : 2147483648 // RFC 9111 §1.2.2: overflow means 2^31
}

/** Header lookup on lowercase-named header objects; several values are joined with ", ". */
export function header (headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name]
  if (v === undefined) return undefined
  return typeof v === 'string' ? v : v.length === 0 ? undefined : v.join(', ')
}

/** The directives the turbocache obeys, and the field's raw value lowercased (for the policy's safety net). */
export interface ChosenDirectives {
  readonly directives: Directives
  /** Lowercased: the chosen field's value, after those of targeted fields too malformed to use (safety net). */
  readonly raw: string
  /** Which field they come from; undefined when the response has none of the three. */
  readonly field: 'ferry-cache-control' | 'cdn-cache-control' | 'cache-control' | undefined
}

/** The targeted fields, most precise first (RFC 9213 §2.2). */
const TARGETED_FIELDS = ['ferry-cache-control', 'cdn-cache-control'] as const

/** Directives whose value is delta-seconds: in a targeted field, only an Integer is one. */
const DELTA_SECONDS = new Set(['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error'])

/**
 * A targeted field's directives (RFC 9213 §2.1: a Dictionary), or undefined when it is not a valid one, or empty.
 * Parameters are ignored; a delta-seconds directive whose value is not a non-negative Integer is INVALID (taken as
 * 0, as in Cache-Control); `?0` is the directive's absence.
 */
function parseTargeted (value: string): Directives | undefined {
  let dict
  try {
    dict = parseDictionary(value)
  } catch {
    return undefined
  }
  if (dict.size === 0) return undefined
  const out: Directives = new Map()
  for (const [name, [v]] of dict) {
    if (v === false) continue
    if (DELTA_SECONDS.has(name)) out.set(name, typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v) : INVALID)
    else out.set(name, typeof v === 'string' || typeof v === 'number' || v instanceof Token ? String(v) : true)
  }
  return out
}

/** The directives of the field the turbocache obeys (lowercase-named headers). */
export function responseDirectives (resH: RequestHeaders): ChosenDirectives {
  // A targeted field that is not a valid Dictionary is ignored (RFC 9213 §2.1), but what it says against storing
  // still counts in the safety net: `Ferry-Cache-Control: private,` (a trailing comma) must not fall back to a
  // browser-facing `Cache-Control: public` and share the page. Refusing to store is always allowed.
  let rejected = ''
  for (const field of TARGETED_FIELDS) {
    const value = header(resH, field)
    if (value === undefined) continue
    const directives = parseTargeted(value)
    if (directives !== undefined) return { directives, raw: rejected + value.toLowerCase(), field }
    rejected += value.toLowerCase() + '\n'
  }
  const cc = header(resH, 'cache-control')
  if (cc === undefined) return { directives: new Map(), raw: rejected, field: undefined }
  const raw = cc.toLowerCase()
  return { directives: parseCacheControl(raw), raw: rejected + raw, field: 'cache-control' }
}
