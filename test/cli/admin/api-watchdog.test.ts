// The admin API's shutdown and reopen_logs as the instance's processes carry them out: the watchdog exits 0 once the
// core stopped, and it reopens its own log file too. These start Ferry as a user does; the rest of the admin API
// runs on the in-process core in test/integration/admin/api.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry } from '../../helpers/ferry.js'
import { get } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { isAlive, waitFor } from '../../helpers/procs.js'

test('admin API: the pool snapshot, server counters, config sources, detach and shutdown', async t => {
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('proxy-lab'), ['--max-request-queue-size', '50'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  const appPid = (JSON.parse((await get(`${f.url}/pid`)).body) as { pid: number }).pid

  const pool = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ processes: Array<{ pid: number, processed: number }> }> }, metrics: Record<string, { rss_kb: number }> }
  const proc = pool.pool.groups[0]!.processes[0]!
  assert.equal(proc.pid, appPid)
  assert.equal(proc.processed, 1)
  assert.ok(pool.metrics[String(appPid)]!.rss_kb > 0)

  const server = JSON.parse((await call('/server.json')).body) as { threads: number, thread1: { total_requests_begun: number } }
  assert.equal(server.threads, 1)
  assert.equal(server.thread1.total_requests_begun, 1)

  const config = JSON.parse((await call('/config.json')).body) as { options: Record<string, { value: unknown, source: string }> }
  assert.deepEqual(config.options['max-request-queue-size'], { value: 50, source: 'flag' })
  assert.deepEqual(config.options['max-pool-size'], { value: 6, source: 'default' })

  const detached = await call('/pool/detach_process.json', { method: 'POST', account: 'admin', body: JSON.stringify({ pid: appPid }) })
  assert.deepEqual(JSON.parse(detached.body), { detached: true })
  await waitFor(() => !isAlive(appPid), 10_000, 'the detached process to stop')
  const next = (JSON.parse((await get(`${f.url}/pid`)).body) as { pid: number }).pid
  assert.notEqual(next, appPid, 'a replacement serves')

  assert.equal((await call('/shutdown.json', { method: 'POST', account: 'admin' })).status, 200)
  await waitFor(() => f.proc.exitCode !== null, 15_000, 'the instance to shut down')
  assert.equal(f.proc.exitCode, 0)
})

test('admin API: /reopen_logs.json reopens the log files after logrotate moved them', async t => {
  const { renameSync, readFileSync, existsSync } = await import('node:fs')
  const registry = tmpDir(t)
  const logs = tmpDir(t)
  const log = join(logs, 'ferry.log')
  const f = await startFerry(t, fixtureApp('hello'), ['--log-file', log], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  renameSync(log, `${log}.1`)
  const r = await call('/reopen_logs.json', { method: 'POST', account: 'admin' })
  assert.deepEqual(JSON.parse(r.body), { status: 'ok' })
  await get(`${f.url}/`)
  await f.stop()
  assert.ok(existsSync(log), 'a new log file was opened')
  const fresh = readFileSync(log, 'utf8')
  assert.match(fresh, /core \d+\]/, 'the core writes to the new file')
  assert.match(fresh, /watchdog \d+\] SIGTERM received/, 'the watchdog too')
  assert.match(readFileSync(`${log}.1`, 'utf8'), /Ferry core listening/, 'earlier lines stay in the moved file')
})
