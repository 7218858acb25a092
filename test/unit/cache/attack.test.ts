// Policy-level attacks on the turbocache (the end-to-end ones are in test/integration/cache/attack.test.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseHttpDate } from '../../../src/core/cache/http-date.js'
import { requestMode } from '../../../src/core/cache/policy.js'

test('an RFC 850 date whose weekday names the century before is read in that century (the epoch is not 2070)', () => {
  const now = Date.UTC(2026, 10, 30)
  assert.equal(parseHttpDate('Thursday, 01-Jan-70 00:00:00 GMT', now), 0)
  assert.equal(parseHttpDate('Wednesday, 01-Jan-70 00:00:00 GMT', now), Date.UTC(2070, 0, 1), 'the weekday of 2070 keeps 2070')
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now), Date.UTC(1994, 10, 6, 8, 49, 37))
})

test('a GET or HEAD with a body is neither served from nor stored in the cache', () => {
  assert.equal(requestMode('GET', { host: 'a', 'content-length': '3' }), 'bypass')
  assert.equal(requestMode('GET', { host: 'a', 'transfer-encoding': 'chunked' }), 'bypass')
  assert.equal(requestMode('HEAD', { host: 'a', 'content-length': '1' }), 'bypass')
  assert.equal(requestMode('GET', { host: 'a', 'content-length': '0' }), 'lookup')
})
