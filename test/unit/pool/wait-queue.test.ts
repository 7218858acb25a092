import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WaitQueue, type Waiter } from '../../../src/core/pool/wait-queue.js'

const waiter = (enqueuedAt: number, got: number[], id: number): Waiter<number> =>
  ({ enqueuedAt, resolve: () => { got.push(id) }, reject: () => { got.push(-id) }, cancelled: false })

test('first in, first out; cancelled waiters are skipped and not counted', () => {
  const q = new WaitQueue<number>()
  const got: number[] = []
  const ws = [1, 2, 3].map(i => waiter(i * 10, got, i))
  for (const w of ws) q.push(w)
  assert.equal(q.length, 3)
  q.cancel(ws[0]!)
  q.cancel(ws[0]!)
  assert.equal(q.length, 2)
  assert.equal(q.oldestAge(100), 80)
  q.shift()!.resolve(0)
  assert.deepEqual(got, [2])
  q.rejectAll(new Error('x'))
  assert.deepEqual(got, [2, -3])
  assert.equal(q.length, 0)
  assert.equal(q.shift(), undefined)
})

test('a long run of pushes and shifts keeps its storage compact', () => {
  const q = new WaitQueue<number>()
  const got: number[] = []
  for (let i = 0; i < 10_000; i++) {
    q.push(waiter(i, got, i))
    if (i % 2 === 1) { q.shift(); q.shift() }
  }
  assert.equal(q.length, 0)
})
