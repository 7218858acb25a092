import { test } from 'node:test'
import assert from 'node:assert/strict'
import { batchWantsOob, wantsOob } from '../../../src/core/pool/out-of-band.js'

test('wantsOob: when the app asks, or on every Nth request of a proxied process', () => {
  assert.equal(wantsOob(7, 0, true), true)
  assert.equal(wantsOob(10, 5, false), true)
  assert.equal(wantsOob(11, 5, false), false)
  assert.equal(wantsOob(10, 0, false), false)
})

test('batchWantsOob: a batch of counts (bypass) asks for work when it crossed a multiple of --oob-work-every', () => {
  assert.equal(batchWantsOob(3, 7, 5), true, 'crossed 5')
  assert.equal(batchWantsOob(5, 9, 5), false, 'the work for 5 was already asked for')
  assert.equal(batchWantsOob(4, 5, 5), true, 'landed on 5')
  assert.equal(batchWantsOob(1, 12, 5), true, 'crossed two multiples: one piece of work')
  assert.equal(batchWantsOob(1, 100, 0), false, 'off')
})
