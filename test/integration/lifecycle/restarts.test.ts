// Restarts with real processes: tmp/restart.txt and tmp/always_restart.txt, rolling restarts under constant load,
// and a bad deploy during a rolling restart (the old processes keep serving; the next restart tries again).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { readyCount, logged } from '../../helpers/ferry.js'
import { startCore, type InProcessCore } from '../../helpers/core.js'
import { getJson } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'
import { startLoad } from '../../helpers/load.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

const pidOf = async (url: string): Promise<number> => (await getJson<{ pid: number }>(url)).pid
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** A private copy of the lifecycle fixture, so the test can write tmp/restart.txt and BROKEN into it. */
function appCopy (t: TestContext): string {
  const dir = join(tmpDir(t), 'app')
  cpSync(fixtureApp('lifecycle-lab'), dir, { recursive: true })
  mkdirSync(join(dir, 'tmp'))
  return dir
}

/** Writes restart.txt with an mtime that surely differs from the last one (file systems may have coarse times). */
function touchRestart (app: string, seconds: number): void {
  const file = join(app, 'tmp', 'restart.txt')
  writeFileSync(file, '')
  const when = new Date(Date.now() + seconds * 1000)
  utimesSync(file, when, when)
}

async function poolPids (call: ReturnType<typeof adminClient>): Promise<number[]> {
  const s = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ processes: Array<{ pid: number, state: string }> }> } }
  return s.pool.groups[0]!.processes.filter(p => p.state === 'ready').map(p => p.pid)
}

test('restart.txt: a new mtime restarts the app on the next request; an unchanged one does not', async t => {
  const app = appCopy(t)
  touchRestart(app, -60)
  const f = await startCore(t, app, ['--stat-throttle-rate', '1'])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the first process')
  const first = await pidOf(f.url)
  await sleep(1300)
  assert.equal(await pidOf(f.url), first, 'a restart.txt older than Ferry restarts nothing')
  touchRestart(app, 1)
  await sleep(1300)
  const second = await pidOf(f.url)
  assert.notEqual(second, first, 'the request after the change was served by a new process')
  assert.equal(await pidOf(f.url), second, 'and only once')
  await logged(f, /tmp\/restart\.txt changed: restarting/)
})

test('always_restart.txt: every request gets a fresh process while the file exists', async t => {
  const app = appCopy(t)
  const f = await startCore(t, app, ['--stat-throttle-rate', '1'])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the first process')
  writeFileSync(join(app, 'tmp', 'always_restart.txt'), '')
  await sleep(1300)
  const a = await pidOf(f.url)
  const b = await pidOf(f.url)
  assert.notEqual(a, b)
  rmSync(join(app, 'tmp', 'always_restart.txt'))
  await sleep(1300)
  const c = await pidOf(f.url)
  assert.equal(await pidOf(f.url), c, 'back to normal once the file is gone')
})

/** A copy of the app served by two processes with --rolling-restarts, its admin API, and its PIDs now. */
async function rollingInstance (t: TestContext): Promise<{ app: string, f: InProcessCore, call: ReturnType<typeof adminClient>, before: number[] }> {
  const app = appCopy(t)
  const registry = tmpDir(t)
  const f = await startCore(t, app, ['--min-instances', '2', '--rolling-restarts', '--stat-throttle-rate', '1', '--instance-registry-dir', registry])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two processes')
  const call = adminClient(t, instanceDirIn(registry))
  return { app, f, call, before: await poolPids(call) }
}

test('rolling restart under constant load: zero failed requests and every PID changes', async t => {
  const { app, f, call, before } = await rollingInstance(t)
  const load = startLoad(`${f.url}/slow?ms=20`, 6)
  await sleep(300)
  touchRestart(app, 1)
  await waitFor(async () => { const now = await poolPids(call); return now.length === 2 && now.every(p => !before.includes(p)) }, 20_000, 'every process replaced')
  await sleep(300)
  const result = await load.stop()
  assert.deepEqual(result.failures, [], 'no request failed during the rolling restart')
  assert.ok(result.ok > 50, `load ran (${result.ok} requests)`)
  const after = await poolPids(call)
  assert.equal(after.filter(p => before.includes(p)).length, 0, `PIDs ${before.join(',')} → ${after.join(',')}`)
  await logged(f, /restarting .* \(rolling\)/)
})

test('a bad deploy during a rolling restart: old processes keep serving, the error shows in status, the next restart works', async t => {
  const { app, f, call, before } = await rollingInstance(t)
  const load = startLoad(`${f.url}/slow?ms=20`, 4)
  writeFileSync(join(app, 'BROKEN'), '')
  touchRestart(app, 1)
  await waitFor(() => /could not start a process for/.test(f.output()), 20_000, 'the failed start to be logged')
  await sleep(500)
  const during = await load.stop()
  assert.deepEqual(during.failures, [], 'the old processes served every request')
  assert.deepEqual([...during.pids].sort(), [...before].sort(), 'and only they did')
  const s = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ last_spawn_error: string | null }> } }
  assert.match(s.pool.groups[0]!.last_spawn_error ?? '', /exited|exit/)
  const text = (await call('/pool.txt')).body
  assert.match(text, /Last spawn error: /)
  // Fixed: the next restart goes through.
  rmSync(join(app, 'BROKEN'))
  touchRestart(app, 3)
  await sleep(1300)
  await pidOf(f.url)
  await waitFor(async () => { const now = await poolPids(call); return now.length === 2 && now.every(p => !before.includes(p)) }, 20_000, 'every process replaced')
})
