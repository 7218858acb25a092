// /readyz's rule, on pool snapshots: every app can take a request now, or the answer says which cannot and why.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readiness } from '../../../src/core/metrics/readiness.js'
import type { GroupSnapshot, PoolSnapshot, ProcessSnapshot } from '../../../src/core/pool/snapshot.js'

const proc = (state: ProcessSnapshot['state']): ProcessSnapshot => ({
  pid: 100, state, sessions: 0, tunnels: 0, processed: 0, concurrency: 1, spawned_at: 0, last_used: 0, command: 'node', event_loop_utilization: null,
  spawn_started_at: 0, generation_started_at: 0, sticky_session_id: '1', gupid: 'g-1', address: 'unix:/tmp/x.sock'
})

const group = (name: string, over: Partial<GroupSnapshot> = {}): GroupSnapshot => ({
  name, app_root: name, app_type: 'node', environment: 'production', queue_length: 0, max_queue: 100, queue_overflows: 0,
  uuid: 'u-' + name, start_command: 'node app.js', startup_file: 'app.js', start_timeout_ms: 90000, identity: null, restarting: false, max_instances: 0, max_oob_work_instances: 1,
  oldest_wait_ms: 0, spawning: 0, min_instances: 1, failures: 0, last_spawn_error: null, processes: [], ...over
})

const pool = (...groups: GroupSnapshot[]): PoolSnapshot => ({ taken_at: 0, max_pool_size: 6, process_count: 0, group_count: groups.length, groups })

test('ready when every app has a ready process (one doing out-of-band work counts)', () => {
  assert.deepEqual(readiness(pool(group('/a', { processes: [proc('ready')] }), group('/b', { processes: [proc('oob')] })), false), { ready: true, reason: 'ready' })
})

test('not ready while an app starts its first process, or has none left', () => {
  assert.deepEqual(readiness(pool(group('/a', { spawning: 1 })), false), { ready: false, reason: '/a is starting its first process' })
  assert.deepEqual(readiness(pool(group('/a', { processes: [proc('stopping')] })), false), { ready: false, reason: '/a has no ready process' })
})

test('not ready while an app cannot spawn: the reason quotes its error on one short line, and counts the others', () => {
  const long = `app process exited with code 1\nboom ${'x'.repeat(500)}`
  const r = readiness(pool(group('/a', { last_spawn_error: long }), group('/b', { spawning: 1 }), group('/c', { processes: [proc('ready')] }), group('/d')), false)
  assert.equal(r.ready, false)
  assert.match(r.reason, /^\/a cannot start a process: app process exited with code 1 boom x+… \(and 2 more apps not ready\)$/)
  assert.ok(r.reason.length < 300, r.reason)
})

test('an app with --min-instances 0 and no process is ready (started on demand) unless its last spawn failed', () => {
  assert.equal(readiness(pool(group('/a', { min_instances: 0 })), false).ready, true)
  assert.equal(readiness(pool(group('/a', { min_instances: 0, last_spawn_error: 'boom' })), false).ready, false)
  assert.equal(readiness(pool(), false).ready, true, 'no app yet (ferry fly, apps named by the front server)')
})

test('not ready while shutting down, whatever the apps', () => {
  assert.deepEqual(readiness(pool(group('/a', { processes: [proc('ready')] })), true), { ready: false, reason: 'shutting down' })
})
