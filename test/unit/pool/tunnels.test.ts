// Tunnels (upgraded connections) in the pool, driven by a scripted loader: they hold no request slot, and a retired
// process kept only for them neither counts against the pool nor outlives the drain time.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { app, poolWith, scriptedLoader, settings, tick } from '../../helpers/scripted-loader.js'

test('a tunnel frees its request slot but keeps its process out of the idle reaper', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 0, concurrency: 1, idleTimeMs: 20 })
  const p = await g.acquire()
  g.toTunnel(p)
  assert.deepEqual([p.sessions, p.tunnels, p.processed], [0, 1, 1])
  assert.equal(g.checkout(), p, 'the slot is free for a request')
  g.release(p)
  await tick(300)
  assert.equal(p.state, 'ready', 'an open tunnel is use, however quiet')
  g.closeTunnel(p)
  await tick(300)
  assert.notEqual(p.state, 'ready', 'idle once the tunnel closed')
})

test('blocking restart with a full pool of tunnels: replacements start at once, the old processes stop when their tunnels close', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader, 2)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2, tunnelDrainMs: 60_000 })
  await tick()
  const old = [...g.processes]
  for (let i = 0; i < old.length; i++) g.toTunnel(g.checkout()!)
  assert.deepEqual(old.map(p => p.tunnels), [1, 1], 'tunnels spread over the processes')
  g.restart('blocking')
  await tick()
  assert.equal(g.readyCount, 2, 'two new processes, beside the two kept for their tunnels')
  assert.ok(old.every(p => p.state === 'stopping'))
  assert.equal(pool.capacityUsed, 2)
  g.closeTunnel(old[0]!)
  await tick()
  assert.equal(old[0]!.state, 'dead', 'gone with its last tunnel')
  assert.equal(old[1]!.state, 'stopping')
})

test('rolling restart with a full pool of tunnels goes through every process', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader, 2)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2 })
  await tick()
  const old = [...g.processes]
  for (let i = 0; i < old.length; i++) g.toTunnel(g.checkout()!)
  g.restart('rolling')
  await tick(50)
  assert.equal(g.readyCount, 2)
  assert.ok(g.processes.filter(p => p.state === 'ready').every(p => !old.includes(p)), 'every process replaced')
})

test('the drain time ends: the process is stopped with its tunnels', async t => {
  const loader = scriptedLoader([])
  const pool = poolWith(loader, 1)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, tunnelDrainMs: 50 })
  const p = await g.acquire()
  g.toTunnel(p)
  const phases: string[] = []
  pool.events.on('tunnelDrain', (_g, _p, phase) => phases.push(phase))
  g.restart('blocking')
  await tick(10)
  assert.equal(p.state, 'stopping')
  await tick(150)
  assert.equal(p.state, 'dead')
  assert.deepEqual(phases, ['waiting', 'closing'])
  g.closeTunnel(p)
  assert.equal(p.tunnels, 0)
})
