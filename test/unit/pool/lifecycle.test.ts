// The group's lifecycle decisions (recycling, out-of-band work, sticky routing, growth under load, stuck
// processes), driven by the scripted loader. The integration tests repeat the important ones with real processes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { app, poolWith, scriptedLoader, settings, tick } from '../../helpers/scripted-loader.js'
import { Pool } from '../../../src/core/pool/pool.js'


test('max-requests: the replacement is ready before the old process stops taking requests', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, maxRequests: 3 })
  await tick()
  const first = g.processes[0]!
  for (let i = 0; i < 2; i++) g.release(g.checkout()!)
  assert.equal(g.processes.length, 1, 'nothing happens before the limit')
  const third = g.checkout()!
  assert.equal(third, first)
  g.release(third)
  // The third request reached the limit: a new process is being spawned while the old one still serves.
  assert.equal(first.state, 'ready')
  assert.equal(g.spawning, 1)
  await tick()
  assert.equal(first.state, 'dead', 'retired (and stopped, being idle) once its replacement was ready')
  assert.deepEqual(g.processes.map(p => p.pid), [1001])
  assert.equal(g.checkout()!.pid, 1001)
})

test('out-of-band work: at most max-oob processes out at once, never the last serving one, back when done', async t => {
  const loader = scriptedLoader([], { oob: true })
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2, maxOob: 1 })
  await tick()
  const [a, b] = g.processes as [NonNullable<typeof g.processes[0]>, NonNullable<typeof g.processes[0]>]
  const ra = g.checkout()!
  const rb = g.checkout()!
  assert.notEqual(ra, rb)
  g.release(ra, true)
  assert.equal(ra.state, 'oob', 'asked for work: out of rotation at once')
  g.release(rb, true)
  assert.equal(rb.state, 'ready', 'the other one must keep serving: its work waits')
  // While one is out, every request goes to the other.
  const during = g.checkout()!
  assert.equal(during, rb)
  g.release(during)
  const [sa, sb] = [loader.spawned.find(s => s.pid === a.pid)!, loader.spawned.find(s => s.pid === b.pid)!]
  assert.equal(sa.oobCalls.length, 1, 'idle, so the work started')
  assert.equal(sb.oobCalls.length, 0)
  sa.oobCalls[0]!(true)
  await tick()
  assert.equal(ra.state, 'ready')
  assert.equal(rb.state, 'oob', 'the waiting one goes next')
  assert.equal(sb.oobCalls.length, 1)
  sb.oobCalls[0]!(false)
  await tick()
  assert.equal(rb.state, 'ready', 'a timed-out job still brings the process back')
})

test('out-of-band work every N requests, and only once a busy process has finished its requests', async t => {
  const loader = scriptedLoader([], { oob: true })
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2, oobEvery: 2 })
  await tick()
  const p = g.processes[0]!
  const s = loader.spawned[0]!
  const r1 = g.checkout()!
  assert.equal(r1, p)
  const r2 = g.checkout()!
  const r3 = g.checkout()!
  assert.equal(r3, p, 'least busy ties go to the oldest')
  g.release(r1)
  g.release(r2)
  g.release(r3)
  assert.equal(p.processed, 2)
  assert.equal(p.state, 'oob')
  assert.equal(s.oobCalls.length, 1)
  s.oobCalls[0]!(true)
  await tick()
  assert.equal(p.state, 'ready')
})

test('sticky sessions: the named process while it has room, waiting for it when full, any other once it is gone', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2, concurrency: 1 })
  await tick()
  const [a, b] = [g.processes[0]!, g.processes[1]!]
  assert.notEqual(a.stickyId, b.stickyId)
  const first = g.checkout(b.stickyId)!
  assert.equal(first, b, 'the cookie wins over least-busy')
  const waiting = g.acquire(undefined, b.stickyId)
  let got: typeof first | undefined
  void waiting.then(p => { got = p })
  await tick()
  assert.equal(got, undefined, 'b is full and a is free, yet the request waits for b')
  g.release(first)
  await tick()
  assert.equal(got, b)
  g.release(b)
  assert.equal(g.checkout('nonexistent'), a, 'an unknown id: any process')
  g.release(a)
  b.state = 'stopping'
  assert.equal(g.checkout(b.stickyId), a, 'the named process is going away: another one')
})

test('growth: a Node group grows only while every process reports a saturated event loop', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader, 3)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, saturationElu: 0.8 })
  await tick()
  const a = g.processes[0]!
  const r = g.checkout()!
  g.reportLoad(a.pid, 0.5)
  await tick()
  assert.equal(g.processes.length, 1, 'busy but not saturated')
  g.reportLoad(a.pid, 0.95)
  await tick()
  assert.equal(g.processes.length, 2, 'saturated: one more')
  g.reportLoad(a.pid, 0.95)
  await tick()
  assert.equal(g.processes.length, 2, 'the new one is not saturated yet')
  const b = g.processes[1]!
  const r2 = g.checkout()!
  assert.equal(r2, b)
  g.reportLoad(b.pid, 0.9)
  await tick()
  assert.equal(g.processes.length, 3)
  g.reportLoad(g.processes[2]!.pid, 1)
  await tick()
  assert.equal(g.processes.length, 3, 'never past the pool size')
  g.release(r)
  g.release(r2)
})

test('a stuck process is out of rotation at once and killed once its last request ends', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings })
  await tick()
  const p = g.checkout()!
  const other = g.checkout()!
  g.abandon(p)
  assert.equal(p.state, 'stopping')
  assert.equal(g.spawning, 1, 'a replacement is on its way')
  g.release(other)
  assert.equal(loader.spawned[0]!.killed, false, 'a request still runs on it')
  g.release(p)
  assert.equal(loader.spawned[0]!.killed, true)
  await tick()
  assert.equal(g.processes.length, 1)
  assert.notEqual(g.processes[0]!.pid, p.pid)
})

test('restart.txt: requestRestart is applied by the next request with the configured method', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, rollingRestarts: true })
  await tick()
  const old = g.processes[0]!
  g.requestRestart()
  assert.equal(g.restartPending, true)
  g.applyPendingRestart()
  assert.equal(g.restartPending, false)
  assert.equal(old.state, 'ready', 'rolling: the old process serves until the new one is ready')
  await tick()
  assert.equal(old.state, 'dead')
  assert.equal(g.processes.length, 1)
})

test('deferStart: added groups spawn nothing until startGroups; groups added after it start at once', async () => {
  const loader = scriptedLoader(['ok', 'ok', 'ok'])
  const pool = new Pool({ maxPoolSize: 6, loaders: { node: loader, generic: loader, python: loader, ruby: loader }, deferStart: true })
  pool.addGroup(app, { ...settings, minInstances: 2 })
  await tick(20)
  assert.equal(loader.attempts, 0, 'an instance that cannot listen never spawns an app')
  pool.startGroups()
  await tick(20)
  assert.equal(loader.attempts, 2)
  pool.addGroup({ ...app, root: '/other' }, settings)
  await tick(20)
  assert.equal(loader.attempts, 3)
  await pool.stop(0)
})
