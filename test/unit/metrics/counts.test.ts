// The counts behind the series: per request (ferry_requests_total, ferry_request_duration_seconds), per pool event
// (spawns, failures, restarts, exits) and per process (CPU seconds).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DURATION_BUCKETS_SECONDS, RequestTally, STATUS_CLASSES } from '../../../src/core/server/request-tally.js'
import { parseCpuSeconds } from '../../../src/core/metrics/process-sampler.js'
import { PoolCounters } from '../../../src/core/metrics/pool-counters.js'
import { PoolEvents } from '../../../src/core/pool/events.js'
import type { Group } from '../../../src/core/pool/group.js'
import type { AppProcess } from '../../../src/core/pool/app-process.js'
import { FerryError } from '../../../src/core/errors.js'

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

test('pool events are counted per app: spawns, spawn failures, restarts, and only the exits that were not asked for', () => {
  const events = new PoolEvents()
  const counters = new PoolCounters(events)
  const a = { name: '/a' } as Group
  const b = { name: '/b' } as Group
  const p = {} as AppProcess
  const exit = { code: 1, signal: null, forced: false }
  events.emit('spawned', a, p)
  events.emit('spawned', a, p)
  events.emit('spawnFailed', b, new FerryError('E_SPAWN_EXITED', 'boom'))
  events.emit('restart', a, 'rolling')
  events.emit('exited', a, p, exit, true)
  events.emit('exited', a, p, exit, false)
  assert.deepEqual(Object.fromEntries(counters.apps), {
    '/a': { spawns: 2, spawnFailures: 0, restarts: 1, unexpectedExits: 1 },
    '/b': { spawns: 0, spawnFailures: 1, restarts: 0, unexpectedExits: 0 }
  })
})
