import { test } from 'node:test'
import assert from 'node:assert/strict'
import { endReadBatch, readClock, startReadBatch } from '../../../src/core/server/read-clock.js'
import { RateMeter } from '../../../src/core/server/rate-meter.js'

/** Waits until Date.now() has moved on, without a timer (so the batch cannot have ended in between). */
function spinPast (ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) { /* spin */ }
}

test('within a read batch the clock is read once; outside one it is Date.now()', () => {
  const before = Date.now()
  assert.ok(readClock() >= before)
  assert.equal(startReadBatch(), true)
  let at: number
  try {
    at = readClock()
    spinPast(3)
    assert.equal(readClock(), at, 'the batch keeps the reading taken when it started')
    // A batch started inside one (a hand-off whose bytes node's server reads at once) leaves the outer one be.
    assert.equal(startReadBatch(), false)
    assert.equal(readClock(), at)
  } finally { endReadBatch() }
  assert.ok(readClock() >= at + 3, 'after the batch the clock moves again')
})

test('a rate meter marked with the caller\'s reading moves to it', () => {
  let clock = 0
  const meter = new RateMeter(() => clock)
  meter.mark(2)
  // Two minutes later by the caller's reading (the meter's own clock not consulted): the first marks are past.
  meter.mark(1, 120_000)
  clock = 120_000
  assert.deepEqual(meter.rates(), { perMinute1m: 1, perMinute1h: 3 / 60 })
})
