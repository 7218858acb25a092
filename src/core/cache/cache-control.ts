// Cache-Control (RFC 9111 §5.2) parsing, and the choice of the field the turbocache obeys.
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
  readonly raw: string
  /** Whether the chosen field was present at all. */
  readonly present: boolean
}

/** The response's Cache-Control directives (lowercase-named headers). */
export function responseDirectives (resH: RequestHeaders): ChosenDirectives {
  const cc = header(resH, 'cache-control')
  if (cc === undefined) return { directives: new Map(), raw: '', present: false }
  const raw = cc.toLowerCase()
  return { directives: parseCacheControl(raw), raw, present: true }
}
