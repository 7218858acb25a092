// growth.ts's rules as a table of plain states: when a group wants one more process, and whether it may have it.
// The group-level growth test (lifecycle.test.ts) drives the same rules through reported loads.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { AppProcess } from '../../../src/core/pool/app-process.js'
import { mayGrow, saturated, servedMostOfBusyTime, wantsProcess, type GrowthState } from '../../../src/core/pool/growth.js'

const proc = (sessions: number, concurrency: number, elu = 0, state = 'ready'): AppProcess =>
  ({ state, sessions, elu, totallyBusy: concurrency > 0 && sessions >= concurrency }) as unknown as AppProcess
const base: GrowthState = { capacity: 1, minInstances: 1, queue: { length: 0 }, spawning: 0, processes: [proc(0, 1)], saturationElu: 0 }

test('wants one more below min-instances, or for waiting requests when no spawn is under way', () => {
  assert.equal(wantsProcess({ ...base, capacity: 0, processes: [] }), true)
  assert.equal(wantsProcess(base), false)
  assert.equal(wantsProcess({ ...base, queue: { length: 1 } }), true)
  assert.equal(wantsProcess({ ...base, queue: { length: 1 }, spawning: 1, processes: [] }), false, 'the spawn under way may serve them')
})

test('wants one more when every ready process is full, or serving with an event loop at --saturation-elu', () => {
  assert.equal(wantsProcess({ ...base, processes: [proc(1, 1), proc(1, 1)] }), true)
  assert.equal(wantsProcess({ ...base, processes: [proc(1, 1), proc(0, 1)] }), false)
  assert.equal(wantsProcess({ ...base, processes: [proc(1, 1), proc(0, 1, 0, 'oob')] }), true, 'only ready ones count')
  assert.equal(wantsProcess({ ...base, processes: [proc(3, 0, 0.95)] }), false, 'a Node process is never full; the rule is off')
  assert.equal(wantsProcess({ ...base, saturationElu: 0.9, processes: [proc(3, 0, 0.95)] }), true)
  assert.equal(wantsProcess({ ...base, saturationElu: 0.9, processes: [proc(0, 0, 0.95)] }), false, 'busy loop, no request: not saturated')
  assert.equal(wantsProcess({ ...base, saturationElu: 0.9, processes: [proc(3, 0, 0.95), proc(1, 0, 0.5)] }), false)
  assert.equal(saturated(0.9, 0.9), true)
  assert.equal(saturated(0.99, 0), false, '0: the rule is off')
})

test('a bypassed process counts as serving when its counters showed answers since its last load report', () => {
  // Its requests in flight are sampled between requests: synchronous handlers always read 0 there.
  const bypassed = (servedLately: boolean, elu = 0.95): AppProcess => ({ ...proc(0, 0, elu), servedLately }) as unknown as AppProcess
  const s = { ...base, saturationElu: 0.9 }
  assert.equal(wantsProcess({ ...s, processes: [bypassed(true), bypassed(true)] }), true)
  assert.equal(wantsProcess({ ...s, processes: [bypassed(true), bypassed(false)] }), false, 'one busy with no answers: its own work')
  assert.equal(wantsProcess({ ...s, processes: [bypassed(true), bypassed(true, 0.5)] }), false, 'one with room')
})

test('a bypassed process served lately when its answers took at least half of its busy second', () => {
  assert.equal(servedMostOfBusyTime(900, 0.95), true, 'handlers that burn CPU')
  assert.equal(servedMostOfBusyTime(475, 0.95), true)
  assert.equal(servedMostOfBusyTime(2, 0.9), false, 'its own work, and one cheap answer')
  assert.equal(servedMostOfBusyTime(0, 0), false, 'nothing answered')
})

test('may grow under --max-instances (0: no limit) while the pool has room', () => {
  assert.equal(mayGrow(2, 3, () => true), true)
  assert.equal(mayGrow(3, 3, () => true), false)
  assert.equal(mayGrow(30, 0, () => true), true)
  assert.equal(mayGrow(1, 0, () => false), false)
})
