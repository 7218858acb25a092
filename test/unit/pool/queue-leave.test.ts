// The group's queue with the light cancellation the front uses (QueueLeave) and with hand-ahead, driven by a scripted
// loader (test/helpers/scripted-loader.ts) as in group.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { QueueLeave } from '../../../src/core/pool/queue-leave.js'
import { app, poolWith, scriptedLoader, settings, tick } from '../../helpers/scripted-loader.js'

/** A loader whose processes serve one request at a time themselves, as the Python and Ruby loaders do. */
const oneAtATimeLoader = (): ReturnType<typeof scriptedLoader> => Object.assign(scriptedLoader([]), { concurrency: 1 })

test('a queued request whose client leaves (QueueLeave) is dropped from the queue; leaving twice is harmless', async t => {
  const pool = poolWith(scriptedLoader([]), 1)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, concurrency: 1 })
  await tick()
  const p = g.checkout()!
  const queued = new QueueLeave()
  const waiting = g.acquire(queued)
  assert.equal(g.queue.length, 1)
  queued.leave(new Error('client left'))
  queued.leave(new Error('again'))
  await assert.rejects(waiting, /client left/)
  assert.equal(g.queue.length, 0)
  g.release(p)
  assert.equal(p.sessions, 0, 'the process did not go to the request that left')
})

test('hand-ahead: at full size, one request waits at each busy process, the rest in the queue, served in order', { timeout: 5000 }, async t => {
  const pool = poolWith(oneAtATimeLoader(), 2)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2, concurrency: 1, handAhead: true })
  await tick(20)
  const [a, b] = [g.checkout()!, g.checkout()!]
  assert.notEqual(a, b)
  const ahead = await Promise.all([g.acquire(undefined, undefined, true), g.acquire(undefined, undefined, true)])
  assert.deepEqual(new Set(ahead), new Set([a, b]), 'one handed ahead to each')
  assert.deepEqual([a.sessions, b.sessions], [2, 2])
  const order: string[] = []
  const third = g.acquire(new QueueLeave(), undefined, true).then(p => { order.push('third'); return p })
  assert.equal(g.queue.length, 1)
  g.release(a)
  const p = await third
  assert.equal(p, a, 'the queue head went ahead on the process that moved on to its next request')
  assert.equal(a.sessions, 2)
  assert.deepEqual(order, ['third'])
  for (const q of [a, a, b, b]) g.release(q)
})

test('without --hand-ahead, while the group can still grow, or for a Node app at --concurrency 1, requests wait in the queue', async t => {
  const pool = poolWith(oneAtATimeLoader(), 4)
  t.after(() => pool.stop())
  const off = pool.addGroup(app, { ...settings, concurrency: 1, maxInstances: 1, handAhead: false })
  const grows = pool.addGroup({ ...app, root: '/app2' }, { ...settings, concurrency: 1, maxInstances: 2, handAhead: true })
  // Its loader does not serialize requests: the process would run a second one at once.
  const node = pool.addGroup({ ...app, root: '/app3' }, { ...settings, concurrency: 1, maxInstances: 1, handAhead: true, loader: scriptedLoader([]) })
  await tick(20)
  for (const g of [off, grows, node]) {
    const p = g.checkout()!
    const waiting = g.acquire(undefined, undefined, true)
    assert.equal(g.queue.length, 1)
    assert.equal(p.sessions, 1)
    g.release(p)
    g.release(await waiting)
  }
})

test('hand-ahead: a request the caller does not let wait at a process (a POST, a body) stays in the queue, and so do those behind it', { timeout: 5000 }, async t => {
  const pool = poolWith(oneAtATimeLoader(), 1)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 1, maxInstances: 1, concurrency: 1, handAhead: true })
  await tick(20)
  const a = g.checkout()!
  const order: string[] = []
  const post = g.acquire(new QueueLeave(), undefined, false).then(p => { order.push('post'); return p })
  const get = g.acquire(new QueueLeave(), undefined, true).then(p => { order.push('get'); return p })
  await tick(5)
  assert.equal(a.sessions, 1, 'nothing was handed ahead')
  assert.equal(g.queue.length, 2)
  g.release(a)
  assert.equal(await post, a, 'the POST went to the process once it was free')
  // The GET behind it may now wait at that process (the one in front, the POST, has just begun).
  assert.equal(await get, a)
  assert.deepEqual(order, ['post', 'get'])
  g.release(a)
  g.release(a)
})

test('a process given back for a request never sent to it counts nothing as processed or finished', async t => {
  const pool = poolWith(oneAtATimeLoader(), 1)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 1, maxInstances: 1, concurrency: 1, handAhead: true })
  await tick(20)
  const p = g.checkout()!
  const [processed, finished] = [p.processed, p.finished]
  g.giveBack(p)
  assert.equal(p.sessions, 0)
  assert.deepEqual([p.processed, p.finished], [processed, finished], 'its client left before the request was sent')
  assert.equal(g.checkout(), p, 'free again')
  g.release(p)
})
