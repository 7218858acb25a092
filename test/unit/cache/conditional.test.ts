import { test } from 'node:test'
import assert from 'node:assert/strict'
import { asksConditionally, hitAnswer, notModifiedHeaders, parseEntityTag, rangeAnswer } from '../../../src/core/cache/conditional.js'
import { entry } from './store-contract.js'

const LM = 'Sun, 01 Nov 2026 10:00:00 GMT'
const stored = entry({ etag: '"v1"', lastModified: LM, body: Buffer.from('0123456789') })
const answer = (h: Record<string, string>, e = stored, method = 'GET'): unknown => hitAnswer(e, method, h, 0)

test('parseEntityTag', () => {
  assert.deepEqual(parseEntityTag('"a"'), { weak: false, opaque: '"a"' })
  assert.deepEqual(parseEntityTag(' W/"a" '), { weak: true, opaque: '"a"' })
  assert.deepEqual(parseEntityTag('""'), { weak: false, opaque: '""' })
  for (const bad of ['a', '"a', 'w/"a"', '"a"b', '"a b"', 'W/ "a"']) assert.equal(parseEntityTag(bad), undefined, bad)
})

test('If-None-Match: weak comparison, any listed tag, or *; it decides alone when present', () => {
  assert.deepEqual(answer({ 'if-none-match': '"v1"' }), { kind: 'not-modified' })
  assert.deepEqual(answer({ 'if-none-match': 'W/"v1"' }), { kind: 'not-modified' })
  assert.deepEqual(answer({ 'if-none-match': '"a",W/"v1"' }), { kind: 'not-modified' })
  assert.deepEqual(answer({ 'if-none-match': '*' }), { kind: 'not-modified' })
  assert.deepEqual(answer({ 'if-none-match': '"v2"' }), { kind: 'full' })
  assert.deepEqual(answer({ 'if-none-match': 'v1' }), { kind: 'full' }, 'malformed')
  assert.deepEqual(answer({ 'if-none-match': '"v1"' }, entry({ etag: 'W/"v1"' })), { kind: 'not-modified' }, 'a weak stored ETag')
  assert.deepEqual(answer({ 'if-none-match': '"v1"' }, entry()), { kind: 'full' }, 'no stored ETag')
  assert.deepEqual(answer({ 'if-none-match': '*' }, entry({ status: 404 })), { kind: 'full' }, 'not a 2xx: preconditions ignored')
  assert.deepEqual(answer({ 'if-none-match': '"v2"', 'if-modified-since': LM }), { kind: 'full' })
})

test('If-Modified-Since: strict dates, against Last-Modified, else the stored Date', () => {
  assert.deepEqual(answer({ 'if-modified-since': LM }), { kind: 'not-modified' })
  assert.deepEqual(answer({ 'if-modified-since': 'Tue, 01 Dec 2026 10:00:00 GMT' }), { kind: 'not-modified' })
  assert.deepEqual(answer({ 'if-modified-since': 'Sat, 31 Oct 2026 10:00:00 GMT' }), { kind: 'full' })
  assert.deepEqual(answer({ 'if-modified-since': 'Tue, 01 Dec 2026 10:00:00 UTC' }), { kind: 'full' })
  assert.deepEqual(answer({ 'if-modified-since': `${LM}, ${LM}` }), { kind: 'full' }, 'a list is no date')
  const dated = entry({ headers: ['Date', LM] })
  assert.deepEqual(answer({ 'if-modified-since': LM }, dated), { kind: 'not-modified' })
  assert.deepEqual(answer({ 'if-modified-since': LM }, entry()), { kind: 'full' }, 'no date to compare with')
})

test('rangeAnswer: one bytes range, clamped; anything else the full response; none satisfiable', () => {
  const rows: Array<[string, number, unknown]> = [
    ['bytes=0-4', 10, { kind: 'partial', start: 0, end: 4 }],
    ['BYTES=0-4', 10, { kind: 'partial', start: 0, end: 4 }],
    ['bytes=5-', 10, { kind: 'partial', start: 5, end: 9 }],
    ['bytes=-3', 10, { kind: 'partial', start: 7, end: 9 }],
    ['bytes=-30', 10, { kind: 'partial', start: 0, end: 9 }],
    ['bytes=8-100', 10, { kind: 'partial', start: 8, end: 9 }],
    ['bytes=9-9', 10, { kind: 'partial', start: 9, end: 9 }],
    ['bytes=10-', 10, { kind: 'unsatisfiable' }],
    ['bytes=10-20', 10, { kind: 'unsatisfiable' }],
    ['bytes=-0', 10, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-5', 0, { kind: 'unsatisfiable' }],
    ['bytes=0-1,3-4', 10, { kind: 'full' }],
    ['bytes=4-2', 10, { kind: 'full' }],
    ['bytes=-', 10, { kind: 'full' }],
    ['bytes=a-b', 10, { kind: 'full' }],
    ['items=0-4', 10, { kind: 'full' }],
    ['bytes 0-4', 10, { kind: 'full' }],
    ['', 10, { kind: 'full' }]
  ]
  for (const [value, length, expected] of rows) assert.deepEqual(rangeAnswer(value, length), expected, `${value} of ${length}`)
})

test('Range on hits: only a stored 200 and GET; If-Range must match a strong validator exactly', () => {
  assert.deepEqual(answer({ range: 'bytes=0-1' }), { kind: 'partial', start: 0, end: 1 })
  assert.deepEqual(answer({ range: 'bytes=0-1' }, stored, 'HEAD'), { kind: 'full' })
  assert.deepEqual(answer({ range: 'bytes=0-1' }, entry({ status: 203 })), { kind: 'full' })
  assert.deepEqual(answer({ range: 'bytes=0-1', 'if-range': '"v1"' }), { kind: 'partial', start: 0, end: 1 })
  assert.deepEqual(answer({ range: 'bytes=0-1', 'if-range': LM }), { kind: 'partial', start: 0, end: 1 })
  for (const ifRange of ['"v2"', 'W/"v1"', 'Mon, 02 Nov 2026 10:00:00 GMT', 'junk']) {
    assert.deepEqual(answer({ range: 'bytes=0-1', 'if-range': ifRange }), { kind: 'full' }, ifRange)
  }
  assert.deepEqual(answer({ range: 'bytes=0-1', 'if-range': '"v1"' }, entry({ etag: 'W/"v1"' })), { kind: 'full' }, 'a weak stored ETag')
  assert.deepEqual(answer({ range: 'bytes=0-1', 'if-none-match': '"v1"' }), { kind: 'not-modified' }, 'preconditions first')
})

test('asksConditionally and the 304\'s fields', () => {
  assert.equal(asksConditionally({ host: 'a', accept: '*/*' }), false)
  for (const name of ['if-none-match', 'if-modified-since', 'range']) assert.equal(asksConditionally({ [name]: 'x' }), true, name)
  const e = entry({ headers: ['Content-Type', 'text/html', 'ETag', '"e"', 'Cache-Control', 'max-age=5', 'Date', LM, 'Expires', LM, 'Vary', 'Accept', 'Content-Location', '/x', 'Last-Modified', LM, 'X-Other', '1', 'Content-Encoding', 'gzip'] })
  assert.deepEqual(notModifiedHeaders(e), ['ETag', '"e"', 'Cache-Control', 'max-age=5', 'Date', LM, 'Expires', LM, 'Vary', 'Accept', 'Content-Location', '/x', 'Last-Modified', LM])
})
