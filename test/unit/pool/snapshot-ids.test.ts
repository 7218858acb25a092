// What the status views need from the pool beyond counters, in Passenger's shapes: a group UUID that changes on
// restart, each process's spawn times within its generation, gupids and integer sticky ids.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { app, poolWith, scriptedLoader, settings, tick } from '../../helpers/scripted-loader.js'

test('snapshot: group uuid (new on restart), spawn start/end and generation times, gupid, decimal sticky ids, address', async t => {
  const pool = poolWith(scriptedLoader([]))
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: 2 })
  await tick()
  const before = pool.snapshot().groups[0]!
  assert.match(before.uuid, /^[A-Za-z0-9]{20}$/)
  assert.equal(before.processes.length, 2)
  for (const p of before.processes) {
    assert.ok(p.generation_started_at <= p.spawn_started_at && p.spawn_started_at <= p.spawned_at, JSON.stringify(p))
    assert.match(p.gupid, /^[0-9a-f]+-[A-Za-z0-9]{10}$/)
    assert.equal(p.gupid.split('-')[0], Math.floor(p.spawned_at / 60_000).toString(16), 'minutes since the epoch, as Passenger\'s')
    assert.match(p.sticky_session_id, /^\d+$/, 'Passenger\'s sticky_session_id is an integer')
    assert.ok(p.address.length > 0)
  }
  assert.notEqual(before.processes[0]!.gupid, before.processes[1]!.gupid)
  assert.equal(before.start_command, '', 'the scripted loader names no command: the app\'s own (none)')
  g.restart('blocking')
  await tick()
  const after = pool.snapshot().groups[0]!
  assert.notEqual(after.uuid, before.uuid, 'a restart is a new generation')
  for (const p of after.processes) assert.ok(p.generation_started_at >= before.processes[0]!.generation_started_at)
})
