// The contract every Loader keeps, run against each implementation (node, generic, python and ruby):
// it spawns a process that answers HTTP, reports ready only when it does, honours the start timeout and
// cancellation, reports early exits with the app's output, and stops with SIGTERM then SIGKILL.
import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { join } from 'node:path'
import { after, before, describe, test, type TestContext } from 'node:test'
import type { AppSpec, Loader, SpawnedProcess, SpawnHooks } from '../../src/core/spawn/loader.js'
import { isSpawnError, type SpawnError } from '../../src/core/spawn/spawn-error.js'
import { collectWarnings, eventually, httpGet, isAlive } from './helpers.js'

export interface BrokenApps {
  /** Starts and stays up but never becomes ready. */
  readonly neverReady: AppSpec
  /** Writes "boom at startup" to stderr and exits with code 1. */
  readonly crashing: AppSpec
  /** Becomes ready, prints "ignoring SIGTERM" on SIGTERM and keeps running. */
  readonly ignoresSigterm: AppSpec
}

export type OutputLine = readonly [pid: number, stream: 'stdout' | 'stderr', line: string]

/** Spawns and registers the cleanup on the next line, as every test here must. */
export async function spawnFor (t: TestContext, loader: Loader, app: AppSpec, hooks?: SpawnHooks,
  signal?: AbortSignal): Promise<SpawnedProcess> {
  const proc = await loader.spawn(app, hooks, signal)
  t.after(() => proc.stop(500))
  return proc
}

/** Hooks that record every output line. */
export function recordOutput (): { readonly lines: OutputLine[], readonly hooks: SpawnHooks } {
  const lines: OutputLine[] = []
  return { lines, hooks: { onOutput: (pid, stream, line) => { lines.push([pid, stream, line]) } } }
}

/** Asserts that the promise rejects with a SpawnError of that code, and returns the error. */
export async function spawnRejection (promise: Promise<unknown>, code: string): Promise<SpawnError> {
  let caught: unknown
  await assert.rejects(promise, err => { caught = err; return true })
  assert.ok(isSpawnError(caught), `expected a SpawnError, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}

export function loaderContract (name: string, makeLoader: () => Loader, makeApp: (t: TestContext) => AppSpec,
  makeBrokenApps: (t: TestContext) => BrokenApps): void {
  describe(`loader contract: ${name}`, () => {
    const loader = makeLoader()
    const watch = collectWarnings()
    before(() => assert.ok(typeof loader.spawn === 'function'))
    after(() => { watch.stop(); assert.deepEqual(watch.warnings, []) })
    readyCases(loader, makeApp)
    failureCases(loader, makeApp, makeBrokenApps)
    stopCases(loader, makeApp, makeBrokenApps)
  })
}

function readyCases (loader: Loader, makeApp: (t: TestContext) => AppSpec): void {
  test('spawns a process whose target answers HTTP from that process', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, makeApp(t))
    assert.equal((await httpGet(proc.target)).body, `hello from ${proc.pid}\n`)
    assert.ok(proc.concurrency >= 0)
    assert.ok(proc.command.length > 0)
  })

  test('reports ready only once the target accepts: the first request, sent at once, is answered', async (t: TestContext) => {
    const { lines, hooks } = recordOutput()
    const proc = await spawnFor(t, loader, makeApp(t), hooks)
    const answer = await httpGet(proc.target, '/pid')
    assert.deepEqual(answer, { status: 200, body: String(proc.pid) })
    assert.ok(isAlive(proc.pid))
    assert.ok(lines.every(([pid]) => pid === proc.pid))
  })

  test('leaves no listener on the caller\'s signal (the pool passes one long-lived signal to every spawn)', async (t: TestContext) => {
    const ac = new AbortController()
    await spawnFor(t, loader, makeApp(t), {}, ac.signal)
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0)
  })
}

function failureCases (loader: Loader, makeApp: (t: TestContext) => AppSpec, makeBrokenApps: (t: TestContext) => BrokenApps): void {
  test('rejects E_SPAWN_TIMEOUT when the app is not ready within the start timeout, and kills it', async (t: TestContext) => {
    const app = { ...makeBrokenApps(t).neverReady, startTimeoutMs: 1500 }
    const started = Date.now()
    const err = await spawnRejection(loader.spawn(app), 'E_SPAWN_TIMEOUT')
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 1400 && elapsed < 4500, `rejected after ${elapsed} ms`)
    assert.match(err.message, /1\.5 s/)
    assert.ok(err.failure.pid !== undefined && !isAlive(err.failure.pid), 'the process is dead')
    assert.ok(err.failure.output.length > 0, 'the start-up line is in the failure')
  })

  test('rejects E_SPAWN_EXITED, with the app\'s output, when it exits during start-up', async (t: TestContext) => {
    const { lines, hooks } = recordOutput()
    const app = makeBrokenApps(t).crashing
    const err = await spawnRejection(loader.spawn(app, hooks), 'E_SPAWN_EXITED')
    const f = err.failure
    assert.equal(f.reason, 'exited')
    assert.equal(f.exitCode, 1)
    assert.equal(f.cwd, app.root)
    assert.ok(f.output.includes('boom at startup'), f.output.join('\n'))
    assert.deepEqual(lines.filter(l => l[2] === 'boom at startup'), [[f.pid, 'stderr', 'boom at startup']])
    assert.equal(err.message, `App process for ${app.root} exited during start-up with code 1 (see its output in the log)`)
  })

  test('rejects E_SPAWN_FAILED when the process cannot be started', async (t: TestContext) => {
    const app = makeApp(t)
    const root = join(app.socketDir, 'missing')
    const err = await spawnRejection(loader.spawn({ ...app, root }), 'E_SPAWN_FAILED')
    assert.equal(err.message, `Could not start an app process for ${root}: its directory ${root} does not exist`)
    assert.equal(err.failure.reason, 'failed')
    assert.equal(err.failure.pid, undefined)
  })

  test('cancels a spawn in progress when the signal aborts, and kills the process', async (t: TestContext) => {
    const ac = new AbortController()
    const { lines, hooks } = recordOutput()
    const app = { ...makeBrokenApps(t).neverReady, startTimeoutMs: 10_000 }
    const pending = loader.spawn(app, hooks, ac.signal)
    assert.ok(await eventually(() => lines.length > 0, 5000), 'the app started')
    ac.abort()
    const err = await spawnRejection(pending, 'E_SPAWN_FAILED')
    assert.match(err.message, /cancelled/)
    assert.ok(err.failure.pid !== undefined && !isAlive(err.failure.pid))
  })

  test('starts nothing when the signal is already aborted', async (t: TestContext) => {
    const { lines, hooks } = recordOutput()
    await spawnRejection(loader.spawn(makeApp(t), hooks, AbortSignal.abort()), 'E_SPAWN_FAILED')
    assert.deepEqual(lines, [])
  })
}

function stopCases (loader: Loader, makeApp: (t: TestContext) => AppSpec, makeBrokenApps: (t: TestContext) => BrokenApps): void {
  test('stop() sends SIGTERM, then SIGKILL after graceMs when SIGTERM is ignored', async (t: TestContext) => {
    const { lines, hooks } = recordOutput()
    const proc = await spawnFor(t, loader, makeBrokenApps(t).ignoresSigterm, hooks)
    const started = Date.now()
    const info = await proc.stop(300)
    assert.ok(Date.now() - started >= 290)
    assert.deepEqual(info, { code: null, signal: 'SIGKILL', forced: true })
    assert.ok(lines.some(l => l[2] === 'ignoring SIGTERM'), 'SIGTERM came first')
    assert.ok(!isAlive(proc.pid))
  })

  test('stop() ends a well-behaved app without SIGKILL', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, makeApp(t))
    const info = await proc.stop(5000)
    assert.equal(info.forced, false)
    assert.ok(info.signal === 'SIGTERM' || info.code === 0, JSON.stringify(info))
    assert.equal(await proc.exited, info)
    assert.ok(!isAlive(proc.pid))
  })

  test('stop() is idempotent: every call returns the same promise', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, makeApp(t))
    const first = proc.stop(500)
    assert.equal(proc.stop(500), first)
    const info = await first
    assert.equal(proc.stop(), first)
    assert.equal(await proc.stop(), info)
  })

  test('exited settles when the process dies on its own', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, makeApp(t))
    process.kill(proc.pid, 'SIGKILL')
    assert.deepEqual(await proc.exited, { code: null, signal: 'SIGKILL', forced: false })
    assert.equal((await proc.stop(500)).signal, 'SIGKILL')
  })
}
