// Sticky selection is the balancer's (a pure pick), not the group's: a cookie naming a live process keeps the
// client there, waiting rather than moving when it is full or away; any other cookie falls back to the least busy.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pickProcess, stickyTarget } from '../../../src/core/pool/balancer.js'

const proc = (stickyId: string, state: string, sessions: number, concurrency = 0): { stickyId: string, state: string, sessions: number, concurrency: number } =>
  ({ stickyId, state, sessions, concurrency })

test('a cookie naming a ready process with a free slot picks it, however busy it is next to the others', () => {
  const ps = [proc('1', 'ready', 0), proc('2', 'ready', 5)]
  assert.equal(pickProcess(ps, '2'), ps[1])
})

test('a cookie naming a full or away process picks none: the request waits for that one', () => {
  assert.equal(pickProcess([proc('1', 'ready', 0), proc('2', 'ready', 1, 1)], '2'), undefined)
  assert.equal(pickProcess([proc('1', 'ready', 0), proc('2', 'oob', 0)], '2'), undefined)
})

test('a cookie naming no live process, or none, picks the least busy', () => {
  const ps = [proc('1', 'ready', 2), proc('2', 'stopping', 0), proc('3', 'ready', 1)]
  assert.equal(pickProcess(ps, '2'), ps[2])
  assert.equal(pickProcess(ps, '9'), ps[2])
  assert.equal(pickProcess(ps, undefined), ps[2])
})

test('the sticky target is a live process (ready or away for out-of-band work) only', () => {
  const ps = [proc('1', 'stopping', 0), proc('1', 'oob', 0), proc('2', 'dead', 0)]
  assert.equal(stickyTarget(ps, '1'), ps[1])
  assert.equal(stickyTarget(ps, '2'), undefined)
})
