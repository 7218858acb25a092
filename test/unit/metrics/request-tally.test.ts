// The per-request counts behind ferry_requests_total and ferry_request_duration_seconds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DURATION_BUCKETS_SECONDS, RequestTally, STATUS_CLASSES } from '../../../src/core/server/request-tally.js'
import { parseCpuSeconds } from '../../../src/core/metrics/process-sampler.js'

test('requests are counted by app and status class; no head sent is its own class; no app is counted apart', () => {
  const t = new RequestTally()
  for (const status of [200, 204, 304, 404, 502, 101, 0]) t.record('/a', status, 1)
  t.record(undefined, 400, 1)
  const a = t.apps.get('/a')!
  assert.deepEqual(Object.fromEntries(STATUS_CLASSES.map((c, i) => [c, a.byClass[i]])), { none: 1, '1xx': 1, '2xx': 2, '3xx': 1, '4xx': 1, '5xx': 1 })
  assert.equal(t.unrouted.byClass[4], 1)
  assert.equal(t.unrouted.count, 1)
})

test('durations fall in the first bucket whose bound they do not exceed; past the last, in +Inf', () => {
  const t = new RequestTally()
  for (const ms of [0, 5, 6, 10_000, 10_001]) t.record('/a', 200, ms)
  const a = t.apps.get('/a')!
  assert.equal(a.buckets.length, DURATION_BUCKETS_SECONDS.length + 1)
  assert.equal(a.buckets[0], 2, '0 and 5 ms ≤ 5 ms')
  assert.equal(a.buckets[1], 1, '6 ms ≤ 10 ms')
  assert.equal(a.buckets[DURATION_BUCKETS_SECONDS.length - 1], 1, '10 s ≤ 10 s')
  assert.equal(a.buckets[DURATION_BUCKETS_SECONDS.length], 1, 'over 10 s: +Inf')
  assert.equal(a.count, 5)
  assert.equal(a.sumMs, 20_012)
})

test('CPU seconds from /proc/<pid>/stat: utime + stime in clock ticks, a command name with spaces and parentheses too', () => {
  const stat = '4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 75 0 0 20 0 11 0 1000 1000000 5000 18446744073709551615'
  assert.equal(parseCpuSeconds(stat), 3.25)
  assert.equal(parseCpuSeconds('garbage'), undefined)
})
