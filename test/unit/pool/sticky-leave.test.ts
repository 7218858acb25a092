// A request waiting for its sticky process is moved to the group's queue when that process goes away (detached,
// restarted, dead); its client leaving afterwards must take it out of that queue, not of the sticky count.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { app, poolWith, scriptedLoader, settings, tick } from '../../helpers/scripted-loader.js'
import { QueueLeave } from '../../../src/core/pool/queue-leave.js'

test('a sticky waiter moved to the queue (its process detached) leaves the queue when its client does: no phantom queued request', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2, maxInstances: 2, concurrency: 1 })
  await tick()
  const [a, b] = [g.processes[0]!, g.processes[1]!]
  assert.equal(g.checkout(a.stickyId), a)
  assert.equal(g.checkout(b.stickyId), b)
  const leave = new QueueLeave()
  const waiting = g.acquire(leave, b.stickyId).then(() => 'served', () => 'left')
  assert.equal(g.queue.length, 0, 'it waits for b, not in the queue')
  g.detach(b.pid)
  assert.equal(g.queue.length, 1, 'b is going away: it waits for any process')
  leave.leave(new Error('client gone'))
  assert.equal(await waiting, 'left')
  assert.equal(g.queue.length, 0, 'the queue no longer counts it')
  // Nothing is owed a process now: a freed one is simply free, and no phantom waiter keeps the group growing.
  g.release(a)
  await tick()
  assert.equal(a.sessions, 0)
  assert.equal(g.queue.length, 0)
})
