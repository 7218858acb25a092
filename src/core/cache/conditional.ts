// A client's conditional and range requests answered from a fresh stored response (RFC 9110 §13, §14; RFC 9111
// §4.3.2): If-None-Match (weak comparison) or, without it, If-Modified-Since give a 304; one satisfiable `bytes`
// range of a stored 200 gives a 206, guarded by If-Range. Pure: the hit path writes what this decides.
import { parseHttpDate } from './http-date.js'
import { flatValue } from './stored-headers.js'
import type { CachedResponse, RequestHeaders } from './types.js'

export type HitAnswer =
  | { readonly kind: 'full' }
  | { readonly kind: 'not-modified' }
  /** Bytes start..end (inclusive) of the body. */
  | { readonly kind: 'partial', readonly start: number, readonly end: number }
  /** A range none of the body satisfies: 416 with `Content-Range: bytes * /length` (RFC 9110 §15.5.17). */
  | { readonly kind: 'unsatisfiable' }

const FULL: HitAnswer = { kind: 'full' }
const NOT_MODIFIED: HitAnswer = { kind: 'not-modified' }
const UNSATISFIABLE: HitAnswer = { kind: 'unsatisfiable' }

function one (v: string | string[] | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? v : v.join(', ')
}

/** Whether a request may need more than the stored response as it is (a cheap test for the hit path). */
export function asksConditionally (h: RequestHeaders): boolean {
  return h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined || h.range !== undefined
}

interface EntityTag { readonly weak: boolean, readonly opaque: string }

const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/

/** One entity-tag; undefined when malformed. */
export function parseEntityTag (value: string): EntityTag | undefined {
  const m = ENTITY_TAG.exec(value.trim())
  return m === null ? undefined : { weak: m[1] !== undefined, opaque: m[2]! }
}

/** If-None-Match: true when it matches the stored ETag by weak comparison, or is `*` (RFC 9110 §13.1.2). */
function noneMatchFails (value: string, etag: string | undefined): boolean {
  if (value.trim() === '*') return true
  const stored = etag === undefined ? undefined : parseEntityTag(etag)
  if (stored === undefined) return false
  for (const part of value.split(',')) {
    const tag = parseEntityTag(part)
    if (tag !== undefined && tag.opaque === stored.opaque) return true
  }
  return false
}

/** The stored response's last modification time: Last-Modified, else its Date (RFC 9111 §4.3.2), else none. */
function lastModifiedOf (entry: CachedResponse, now: number): number | undefined {
  const lm = parseHttpDate(entry.lastModified, now)
  if (lm !== undefined) return lm
  return parseHttpDate(flatValue(entry.headers, 'date'), now)
}

/** If-Range (RFC 9110 §13.1.5): the range applies only when it names the stored response by a strong validator. */
function ifRangeHolds (value: string, entry: CachedResponse, now: number): boolean {
  const v = value.trim()
  if (v.startsWith('"') || v.startsWith('W/')) {
    const tag = parseEntityTag(v)
    const stored = entry.etag === undefined ? undefined : parseEntityTag(entry.etag)
    return tag !== undefined && stored !== undefined && !tag.weak && !stored.weak && tag.opaque === stored.opaque
  }
  const date = parseHttpDate(v, now)
  const lm = parseHttpDate(entry.lastModified, now)
  return date !== undefined && lm !== undefined && date === lm
}

const BYTES_RANGE = /^bytes=[ \t]*(\d*)-(\d*)[ \t]*$/i

/** One `bytes` range against a body of `length` bytes; FULL when the header is not exactly one valid range. */
export function rangeAnswer (value: string, length: number): HitAnswer {
  const m = BYTES_RANGE.exec(value)
  if (m === null) return FULL // several ranges, another unit, or not a range at all: the whole response
  const [, first, last] = m as unknown as [string, string, string]
  if (first === '') {
    if (last === '') return FULL
    const suffix = Number(last)
    if (suffix === 0 || length === 0) return UNSATISFIABLE
    return { kind: 'partial', start: Math.max(0, length - suffix), end: length - 1 }
  }
  const start = Number(first)
  if (last !== '' && Number(last) < start) return FULL // invalid: ignored
  if (start >= length) return UNSATISFIABLE
  const end = last === '' ? length - 1 : Number(last)
  return { kind: 'partial', start, end: Math.min(end, length - 1) }
}

/**
 * How to answer a GET or HEAD from a fresh `entry` given the request's conditionals (RFC 9110 §13.2.2 order:
 * If-None-Match, else If-Modified-Since, then Range with If-Range). Preconditions apply to 2xx entries only, ranges
 * to a stored 200 and GET only.
 */
export function hitAnswer (entry: CachedResponse, method: string, h: RequestHeaders, now: number): HitAnswer {
  if (entry.status < 200 || entry.status > 299) return FULL
  const inm = one(h['if-none-match'])
  if (inm !== undefined) {
    if (noneMatchFails(inm, entry.etag)) return NOT_MODIFIED
  } else {
    const ims = parseHttpDate(one(h['if-modified-since']), now)
    if (ims !== undefined) {
      const lm = lastModifiedOf(entry, now)
      if (lm !== undefined && lm <= ims) return NOT_MODIFIED
    }
  }
  const range = one(h.range)
  if (range === undefined || method !== 'GET' || entry.status !== 200) return FULL
  const ifRange = one(h['if-range'])
  if (ifRange !== undefined && !ifRangeHolds(ifRange, entry, now)) return FULL
  return rangeAnswer(range, entry.body.length)
}

/** RFC 9110 §15.4.5: the fields a 304 carries, as the stored response has them. */
const NOT_MODIFIED_FIELDS = new Set(['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified'])

/** The stored headers a 304 from the cache repeats (flat [name, value, …]). */
export function notModifiedHeaders (entry: CachedResponse): string[] {
  const out: string[] = []
  for (let i = 0; i < entry.headers.length; i += 2) {
    if (NOT_MODIFIED_FIELDS.has(entry.headers[i]!.toLowerCase())) out.push(entry.headers[i]!, entry.headers[i + 1]!)
  }
  return out
}
