// The group's timed policies on a fake clock (test/helpers/fake-clock.ts): back-off, idle reaping, tunnel drains
// after a rolling restart, memory checks, out-of-band timeouts. Time moves only when the test moves it, so each
// boundary is checked to the millisecond and nothing waits for real seconds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FerryError } from '../../../src/core/errors.js'
import type { SpawnedProcess } from '../../../src/core/spawn/loader.js'
import { FakeClock, poolOnClock, settle } from '../../helpers/fake-clock.js'
import { app, scriptedLoader, settings, type ScriptedLoader } from '../../helpers/scripted-loader.js'

test('back-off: failed starts are retried on their own after 250 ms, doubling up to 30 s', async t => {
  const clock = new FakeClock()
  const loader = scriptedLoader(Array<'fail'>(10).fill('fail'))
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, settings)
  await settle()
  assert.equal(loader.attempts, 1)
  const delays = [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]
  for (const [i, ms] of delays.entries()) {
    await clock.advance(ms - 1)
    assert.equal(loader.attempts, i + 1, `no new attempt before ${ms} ms`)
    await clock.advance(1)
    assert.equal(loader.attempts, i + 2, `a new attempt after ${ms} ms`)
    assert.equal(g.failures, i + 2)
  }
  await clock.advance(30_000)
  assert.equal(g.processes.length, 1, 'the first start that works ends the loop')
  assert.equal(g.lastSpawnError, undefined)
})

test('back-off: while it lasts requests are refused with the start error at once; after it, one starts a process', async t => {
  const clock = new FakeClock()
  const loader = scriptedLoader(['fail'])
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 0 })
  const queued = g.acquire()
  await assert.rejects(queued, /scripted failure/, 'the queued request gets the error of the start it waited for')
  await clock.advance(249)
  await assert.rejects(g.acquire(), (err: FerryError) => err.code === 'E_SPAWN_EXITED')
  assert.equal(loader.attempts, 1, 'no start during the back-off')
  await clock.advance(1)
  const p = await g.acquire()
  assert.equal(loader.attempts, 2)
  g.release(p)
})

test('idle reaping: a process idle for --pool-idle-time stops, down to min-instances; an open tunnel counts as use', async t => {
  const clock = new FakeClock()
  const loader = scriptedLoader([])
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const idleStops: number[] = []
  pool.events.on('idleStop', (_g, p) => idleStops.push(p.pid))
  const g = pool.addGroup(app, { ...settings, maxInstances: 3, concurrency: 1, idleTimeMs: 60_000 })
  await settle()
  const a = g.checkout()!
  await settle()
  const b = g.checkout()!
  await settle()
  const c = g.checkout()!
  assert.deepEqual([a.pid, b.pid, c.pid], [1000, 1001, 1002])
  g.release(a)
  g.toTunnel(b)
  g.release(c)
  await clock.advance(59_999)
  assert.equal(g.processes.length, 3, 'none stops before the idle time')
  await clock.advance(10_000) // the reaper looks every 10 s at most
  assert.deepEqual(idleStops, [a.pid, c.pid], 'the idle ones go; the one with a tunnel stays')
  assert.equal(a.state, 'dead')
  g.closeTunnel(b)
  await clock.advance(600_000)
  assert.deepEqual(g.processes.map(p => p.pid), [b.pid], 'min-instances (1) stay')
  assert.deepEqual(idleStops, [a.pid, c.pid])
})

test('rolling restart: an old process kept only for its tunnel stops at the end of the drain time', async t => {
  const clock = new FakeClock()
  const loader = scriptedLoader([])
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const drains: string[] = []
  pool.events.on('tunnelDrain', (_g, p, phase) => drains.push(`${p.pid} ${phase}`))
  const g = pool.addGroup(app, { ...settings, tunnelDrainMs: 120_000 })
  await settle()
  const old = g.checkout()!
  g.toTunnel(old)
  g.restart('rolling')
  await settle()
  assert.deepEqual(g.processes.filter(p => p.state === 'ready').map(p => p.pid), [1001], 'the new one serves at once')
  assert.equal(old.state, 'stopping')
  assert.deepEqual(drains, ['1000 waiting'])
  assert.equal(g.restarting, false, 'a restart does not wait for tunnels')
  await clock.advance(119_999)
  assert.equal(old.state, 'stopping', 'its tunnel may go on for the drain time')
  await clock.advance(1)
  assert.equal(old.state, 'dead')
  assert.deepEqual(drains, ['1000 waiting', '1000 closing'])
})

test('recycling: a process over --memory-limit at a check is replaced, the new one ready before it stops', async t => {
  const clock = new FakeClock()
  const loader = scriptedLoader([])
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const seen: string[] = []
  pool.events.on('memoryOver', (_g, p, kb) => seen.push(`${p.pid} over ${kb}`))
  pool.events.on('spawned', (_g, p) => seen.push(`${p.pid} spawned`))
  pool.events.on('exited', (_g, p) => seen.push(`${p.pid} exited`))
  const sizes = new Map<number, number>()
  const g = pool.addGroup(app, { ...settings, memoryLimitKb: 100_000, memoryCheckMs: 5_000, measureMemoryKb: async pid => sizes.get(pid) })
  await settle()
  const first = g.processes[0]!
  sizes.set(first.pid, 90_000)
  await clock.advance(5_000)
  assert.equal(first.state, 'ready', 'under the limit: kept')
  sizes.set(first.pid, 150_000)
  await clock.advance(4_999)
  assert.equal(first.state, 'ready', 'measured only at each check')
  await clock.advance(1)
  assert.deepEqual(seen, ['1000 spawned', '1000 over 150000', '1001 spawned', '1000 exited'])
  assert.deepEqual(g.processes.map(p => p.pid), [1001])
})

/** A scripted loader whose processes never report their out-of-band work done: it times out on the fake clock. */
function silentOobLoader (clock: FakeClock): ScriptedLoader {
  const inner = scriptedLoader([], { oob: true })
  const asked: number[] = []
  return Object.assign(inner, {
    asked,
    spawn: async (...args: Parameters<ScriptedLoader['spawn']>): Promise<SpawnedProcess> => {
      const p = await scriptedLoader([]).spawn(...args)
      return {
        ...p,
        oobWork: async (timeoutMs: number) => {
          asked.push(timeoutMs)
          return await new Promise<boolean>(resolve => clock.timers.setTimeout(() => resolve(false), timeoutMs))
        }
      }
    }
  })
}

test('out-of-band work that never reports done brings the process back after the timeout (60 s unless set)', async t => {
  const clock = new FakeClock()
  const loader = silentOobLoader(clock)
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const phases: string[] = []
  pool.events.on('oobWork', (_g, _p, phase) => phases.push(phase))
  const g = pool.addGroup(app, { ...settings, maxInstances: 1 })
  await settle()
  const p = g.checkout()!
  g.release(p, true)
  assert.equal(p.state, 'oob')
  const waiting = g.acquire()
  await clock.advance(59_999)
  assert.equal(p.state, 'oob', 'away for its work until the timeout')
  await clock.advance(1)
  assert.equal(p.state, 'ready')
  assert.deepEqual(phases, ['start', 'timeout'])
  assert.equal(await waiting, p, 'the request that waited meanwhile gets it')
  g.release(p)
})

test('a stopped group leaves no timer behind (back-off retry, idle reaper, memory check)', async () => {
  const clock = new FakeClock()
  const loader = scriptedLoader(['fail'])
  const pool = poolOnClock(clock, loader)
  const g = pool.addGroup(app, { ...settings, idleTimeMs: 60_000, memoryLimitKb: 1, measureMemoryKb: async () => 0 })
  await settle()
  assert.equal(g.failures, 1)
  assert.equal(clock.pending, 3)
  await pool.stop()
  assert.equal(clock.pending, 0)
  await clock.advance(60_000)
  assert.equal(loader.attempts, 1, 'no start after stop')
})
