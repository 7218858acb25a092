// The response buffer budget's count and its waiters: paused responses are told once the count is under the budget
// again, each once, and a budget of 0 never says wait.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ResponseBuffers, type BudgetWaiter } from '../../../src/core/server/response-buffers.js'

function waiter (log: string[], name: string): BudgetWaiter {
  return { resumeIfAllowed: () => { log.push(name) } }
}

test('waiters are told when the count falls under the budget, each once; a forgotten one is not', () => {
  const b = new ResponseBuffers(100)
  const log: string[] = []
  b.change(150)
  assert.equal(b.exhausted, true)
  const [w1, w2, w3] = [waiter(log, 'a'), waiter(log, 'b'), waiter(log, 'c')]
  b.wait(w1)
  b.wait(w2)
  b.wait(w3)
  b.wait(w1)
  b.forget(w3)
  assert.equal(b.waiting, 2)
  b.change(-40) // 110: still over
  assert.deepEqual(log, [])
  b.change(-20) // 90
  assert.equal(b.exhausted, false)
  assert.deepEqual(log, ['a', 'b'])
  assert.equal(b.waiting, 0)
  b.change(-90)
  assert.deepEqual(log, ['a', 'b'])
  assert.equal(b.held, 0)
})

test('a budget of 0 is no budget', () => {
  const b = new ResponseBuffers(0)
  b.change(10 * 1024 * 1024 * 1024)
  assert.equal(b.exhausted, false)
})
