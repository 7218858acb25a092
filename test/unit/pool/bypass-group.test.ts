// A process that accepts its clients itself (--bypass), as the group sees it, on the fake clock: the core never
// sees its requests, so its reported counters stand for checkouts (process-reports.ts, recycling.ts), it drains its
// own requests when retired (retirement.ts), and restart.txt is applied at once (restart-requests.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ProcessStats } from '../../../src/core/spawn/loader.js'
import { FakeClock, poolOnClock, settle } from '../../helpers/fake-clock.js'
import { app, scriptedLoader, settings, type Scripted, type ScriptedLoader } from '../../helpers/scripted-loader.js'

/** A scripted loader whose processes accept their clients themselves, as the bypass loader's do. */
function bypassLoader (o: { oob?: boolean } = {}): ScriptedLoader {
  const loader = scriptedLoader([], o)
  const spawn = loader.spawn.bind(loader)
  loader.spawn = async (...args) => Object.assign(await spawn(...args), { acceptsItself: true })
  return loader
}

const stats = (processed: number, inFlight: number, lastUsed: number): ProcessStats =>
  ({ processed, inFlight, lastUsed, bytesIn: 10 * processed, bytesOut: 20 * processed, byClass: [], buckets: [], sumMs: 0 })

const report = (s: Scripted, st: ProcessStats): void => s.hooks!.onStats!(s.pid, st)

test('bypass: reported counters stand for checkouts (in flight, processed, last use, bytes) and reach the event', async t => {
  const clock = new FakeClock()
  const loader = bypassLoader()
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const reports: number[] = []
  pool.events.on('processStats', (_g, p) => reports.push(p.processed))
  const g = pool.addGroup(app, settings)
  await settle()
  const p = g.processes[0]!
  await clock.advance(1_000)
  report(loader.spawned[0]!, stats(7, 2, clock.ms - 10))
  assert.deepEqual([p.sessions, p.processed, p.bytesIn, p.bytesOut], [2, 7, 70, 140])
  assert.equal(p.lastUsed, clock.ms - 10)
  assert.equal(g.lastActivity, clock.ms - 10)
  report(loader.spawned[0]!, stats(7, 0, clock.ms - 10))
  assert.equal(p.sessions, 0)
  assert.deepEqual(reports, [7, 7])
})

test('bypass: --oob-work-every asks for work when a batch crosses a multiple; --max-requests replaces the process', async t => {
  const clock = new FakeClock()
  const loader = bypassLoader({ oob: true })
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const recycled: string[] = []
  pool.events.on('recycle', (_g, _p, reason) => recycled.push(reason))
  const g = pool.addGroup(app, { ...settings, minInstances: 2, oobEvery: 5, maxRequests: 12 })
  await settle()
  const [sa] = loader.spawned as [Scripted]
  const a = g.processes.find(p => p.pid === sa.pid)!
  report(sa, stats(4, 0, clock.ms))
  assert.equal(sa.oobCalls.length, 0, 'no multiple of 5 crossed')
  report(sa, stats(6, 0, clock.ms))
  assert.equal(a.state, 'oob')
  assert.equal(sa.oobCalls.length, 1, 'a process that accepts its clients itself starts its work at once: it drains them')
  sa.oobCalls[0]!(true)
  await settle()
  assert.equal(a.state, 'ready')
  report(sa, stats(12, 0, clock.ms))
  assert.deepEqual(recycled, ['max-requests'])
  assert.equal(a.state, 'stopping', 'another process serves, so it goes at once')
  assert.equal(sa.oobCalls.length, 1, 'replaced rather than sent to its work')
  await settle()
  assert.equal(g.processes.length, 2, 'and is replaced')
})

test('bypass: a retired process is stopped at once, whatever it serves (its stop() drains its own requests)', async t => {
  const clock = new FakeClock()
  const loader = bypassLoader()
  const proxied = scriptedLoader([])
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 1 })
  const h = pool.addGroup({ ...app, root: '/proxied' }, { ...settings, minInstances: 1, loader: proxied })
  await settle()
  const p = g.processes[0]!
  report(loader.spawned[0]!, stats(3, 2, clock.ms))
  assert.equal(g.detach(p.pid), true)
  await settle()
  assert.equal(p.state, 'dead', 'stopped with two requests of its own in flight')
  // A proxied process, in contrast, finishes the request the core gave it first.
  const q = h.checkout()!
  h.detach(q.pid)
  await settle()
  assert.equal(q.state, 'stopping')
  h.release(q)
  await settle()
  assert.equal(q.state, 'dead')
})

test('bypass: restart.txt is applied at once (no request passes through the core); proxied, by the next request', async t => {
  const clock = new FakeClock()
  const loader = bypassLoader()
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const restarts: string[] = []
  pool.events.on('restart', (g, method) => restarts.push(`${g.name} ${method}`))
  const g = pool.addGroup(app, { ...settings, rollingRestarts: true })
  const h = pool.addGroup({ ...app, root: '/proxied' }, { ...settings, loader: scriptedLoader([]) })
  await settle()
  g.requestRestart()
  assert.equal(g.restartPending, false)
  assert.deepEqual(restarts, ['/app rolling'])
  h.requestRestart()
  assert.equal(h.restartPending, true)
  assert.deepEqual(restarts, ['/app rolling'], 'waits for the next request')
  h.alwaysRestart = true
  h.applyPendingRestart()
  assert.deepEqual(restarts, ['/app rolling', '/proxied blocking'], 'always_restart.txt: blocking, a fresh process each request')
  assert.equal(h.restartPending, true, 'always_restart.txt keeps it pending')
})
