// The group's decisions, driven by a scripted loader (test/helpers/scripted-loader.ts): the loader is the group's
// edge, so a stand-in for it is fair here. Real processes are exercised by the integration tests.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FerryError } from '../../../src/core/errors.js'
import { Pool } from '../../../src/core/pool/pool.js'
import { app, poolWith, scriptedLoader, settings, tick } from '../../helpers/scripted-loader.js'


test('pre-starts min-instances and checks out without waiting', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2 })
  await tick()
  assert.equal(g.processes.length, 2)
  const p = g.checkout()!
  assert.equal(p.sessions, 1)
  g.release(p)
  assert.equal(p.sessions, 0)
  assert.equal(p.processed, 1)
})

test('a failed spawn rejects queued requests with the spawn error, then backs off', async t => {
  const loader = scriptedLoader(['fail', 'fail'])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 0 })
  await assert.rejects(g.acquire(), /scripted failure/)
  assert.equal(g.failures, 1)
  // Within the back-off window, requests get the last error at once instead of waiting or spawning again.
  await assert.rejects(g.acquire(), /scripted failure/)
  assert.equal(loader.attempts, 1)
  await tick(300)
  await assert.rejects(g.acquire(), /scripted failure/)
  assert.equal(loader.attempts, 2)
  assert.ok(g.backoffUntil - Date.now() > 250, 'the second failure doubles the delay')
})

test('a process that dies is removed and replaced up to min-instances', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, settings)
  await tick()
  const first = loader.spawned[0]!
  first.die()
  await tick(300)
  assert.equal(g.processes.length, 1)
  assert.notEqual(g.processes[0]!.pid, first.pid)
})

test('the queue is bounded and waiters are served in order as processes free up', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader, 1)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, concurrency: 1, maxQueue: 2 })
  await tick()
  const p = g.checkout()!
  const order: number[] = []
  const a = g.acquire().then(q => { order.push(1); g.release(q) })
  const b = g.acquire().then(q => { order.push(2); g.release(q) })
  await assert.rejects(g.acquire(), (err: FerryError) => err.code === 'E_QUEUE_FULL')
  assert.equal(g.queueOverflows, 1)
  g.release(p)
  await Promise.all([a, b])
  assert.deepEqual(order, [1, 2])
})

test('a queued request whose client leaves is dropped from the queue', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader, 1)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, concurrency: 1 })
  await tick()
  const p = g.checkout()!
  const ac = new AbortController()
  const waiting = g.acquire(ac.signal)
  assert.equal(g.queue.length, 1)
  ac.abort(new Error('client left'))
  await assert.rejects(waiting, /client left/)
  assert.equal(g.queue.length, 0)
  g.release(p)
})

test('the pool size caps every group together', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader, 2)
  t.after(() => pool.stop())
  pool.addGroup(app, { ...settings, minInstances: 2 })
  pool.addGroup({ ...app, root: '/other' }, { ...settings, minInstances: 2 })
  await tick(20)
  assert.equal(pool.capacityUsed, 2)
  assert.equal(pool.snapshot().process_count, 2)
})

test('the snapshot is a frozen copy', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  pool.addGroup(app, settings)
  await tick()
  const s = pool.snapshot()
  assert.ok(Object.isFrozen(s) && Object.isFrozen(s.groups[0]) && Object.isFrozen(s.groups[0]!.processes[0]))
  assert.equal(s.groups[0]!.processes[0]!.state, 'ready')
  assert.equal(s.groups[0]!.app_root, '/app')
})

test('blocking restart: every process is replaced', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2 })
  await tick(20)
  const before = g.processes.map(p => p.pid)
  g.restart('blocking')
  await tick(50)
  const after = g.processes.filter(p => p.state === 'ready').map(p => p.pid)
  assert.equal(after.length, 2)
  assert.ok(after.every(pid => !before.includes(pid)))
})

test('rolling restart: a new process is ready before each old one stops, so one is always serving', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader, 3)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2 })
  await tick(20)
  const before = g.processes.map(p => p.pid)
  let minReady = Infinity
  const watch = setInterval(() => { minReady = Math.min(minReady, g.readyCount) }, 1)
  g.restart('rolling')
  await tick(100)
  clearInterval(watch)
  const after = g.processes.filter(p => p.state === 'ready').map(p => p.pid)
  assert.equal(after.length, 2)
  assert.ok(after.every(pid => !before.includes(pid)))
  assert.ok(minReady >= 2, `ready processes dipped to ${minReady}`)
})

test('rolling restart in a full pool retires one first, and still replaces all', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader, 2)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2 })
  await tick(20)
  const before = g.processes.map(p => p.pid)
  g.restart('rolling')
  await tick(100)
  const after = g.processes.filter(p => p.state === 'ready').map(p => p.pid)
  assert.equal(after.length, 2)
  assert.ok(after.every(pid => !before.includes(pid)))
})

test('rolling restart whose new version fails to start keeps the old processes serving', async t => {
  const loader = scriptedLoader(['ok', 'fail'])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, settings)
  await tick(20)
  const old = g.processes[0]!.pid
  g.restart('rolling')
  await tick(50)
  assert.deepEqual(g.processes.filter(p => p.state === 'ready').map(p => p.pid), [old])
  assert.match(g.lastSpawnError?.message ?? '', /scripted failure/)
})

/** A group on a clock the test moves, after a crash loop of eight failed starts (back-off at its 30 s cap). */
async function afterCrashLoop (t: import('node:test').TestContext): Promise<{ g: ReturnType<ReturnType<typeof poolWith>['addGroup']>, loader: ReturnType<typeof scriptedLoader>, clock: { ms: number } }> {
  const clock = { ms: 1_000_000 }
  const loader = scriptedLoader(Array<'fail'>(8).fill('fail'))
  const pool = new Pool({ maxPoolSize: 6, loaders: { node: loader, generic: loader, python: loader, ruby: loader }, now: () => clock.ms })
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 0 })
  for (let i = 0; i < 8; i++) {
    clock.ms += 60_000
    await assert.rejects(g.acquire(), /scripted failure/)
  }
  assert.equal(g.backoffUntil - clock.ms, 30_000)
  return { g, loader, clock }
}

test('back-off: a process up and serving for 5 s resets it, so its early death costs 250 ms, not 30 s', async t => {
  const { g, loader, clock } = await afterCrashLoop(t)
  clock.ms += 60_000 // the fix is deployed; the next start works
  const p = await g.acquire()
  g.release(p)
  clock.ms += 6_000
  loader.spawned[0]!.die()
  await tick()
  assert.equal(g.failures, 1)
  assert.equal(g.backoffUntil - clock.ms, 250)
})

test('back-off: a process that dies early without a good run still counts on from the crash loop', async t => {
  const { g, loader, clock } = await afterCrashLoop(t)
  clock.ms += 60_000
  await g.acquire() // checked out, never answers
  clock.ms += 1_000
  loader.spawned[0]!.die()
  await tick()
  assert.equal(g.failures, 9)
  assert.equal(g.backoffUntil - clock.ms, 30_000)
})

test('back-off: a restart (restart.txt, restart-app) tries at once instead of waiting out the crash loop', async t => {
  const { g, loader } = await afterCrashLoop(t)
  g.restart()
  const p = await g.acquire()
  assert.equal(p.pid, loader.spawned[0]!.pid)
  assert.equal(g.failures, 0)
})
