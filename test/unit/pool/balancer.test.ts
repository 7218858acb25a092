import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pickLeastBusy, type Candidate } from '../../../src/core/pool/balancer.js'

const p = (sessions: number, concurrency = 0, state = 'ready'): Candidate & { id: number } => ({ id: Math.random(), sessions, concurrency, state })

test('picks the process with the fewest sessions; ties go to the oldest', () => {
  const list = [p(2), p(1), p(1), p(3)]
  assert.equal(pickLeastBusy(list), list[1])
})

test('never picks a process that is not ready', () => {
  const list = [p(0, 0, 'stopping'), p(0, 0, 'dead'), p(5)]
  assert.equal(pickLeastBusy(list), list[2])
})

test('a bounded process with no free slot is never picked: undefined means queue or spawn', () => {
  assert.equal(pickLeastBusy([p(1, 1), p(2, 2)]), undefined)
  const list = [p(1, 1), p(1, 2)]
  assert.equal(pickLeastBusy(list), list[1])
})

test('bounded processes rank by how full they are', () => {
  const list = [p(2, 4), p(1, 4), p(3, 4)]
  assert.equal(pickLeastBusy(list), list[1])
})

test('empty list gives undefined', () => {
  assert.equal(pickLeastBusy([]), undefined)
})

test('open tunnels count as load for unlimited processes, and break ties for bounded ones', () => {
  const t = (sessions: number, tunnels: number, concurrency = 0): Candidate => ({ state: 'ready', sessions, concurrency, tunnels })
  const unlimited = [t(0, 3), t(1, 0), t(0, 2)]
  assert.equal(pickLeastBusy(unlimited), unlimited[1])
  const bounded = [t(1, 2, 4), t(1, 0, 4), t(2, 0, 4)]
  assert.equal(pickLeastBusy(bounded), bounded[1])
})
