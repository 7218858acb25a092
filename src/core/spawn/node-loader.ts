// The Node loader: runs the app's entry file with preload.cjs required first. The preload moves the app's first
// HTTP listen() onto a Unix socket chosen here and reports over IPC once that socket accepts, so unmodified apps
// (listening on 3000, on $PORT, on anything) work, whether CommonJS or ES modules.
import type { ChildProcess } from 'node:child_process'
import { on } from 'node:events'
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { chownSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AppSpec, Loader, SpawnedProcess, SpawnHooks } from './loader.js'
import { commandLine, startChild, toSpawnedProcess } from './child.js'
import { awaitReady } from './ready.js'
import { appEnv } from './app-env.js'
import { seconds, spawnFailure, throwIfCancelled } from './failure.js'

// preload.cjs is not compiled (tsconfig takes only *.ts): from dist/src/core/spawn/ it is found back in src/.
const PRELOAD = fileURLToPath(new URL('../../../../src/core/spawn/preload.cjs', import.meta.url))
/** sun_path holds 108 bytes on Linux and 104 on macOS; stay under both. */
const MAX_SOCKET_PATH_BYTES = 100

export const READY_MESSAGE = 'ferry:ready'
/** The preload's periodic report of its event-loop utilization. */
const LOAD_MESSAGE = 'ferry:load'
const OOB_WORK_MESSAGE = 'ferry:oob-work'
const OOB_DONE_MESSAGE = 'ferry:oob-done'

export function createNodeLoader (): Loader {
  return Object.freeze({ type: 'node' as const, spawn: spawnNodeApp, startCommand: (app: AppSpec) => commandLine(process.execPath, nodeArgs(app)) })
}

const nodeArgs = (app: AppSpec): string[] => ['--require', PRELOAD, app.startupFile ?? '']

async function spawnNodeApp (app: AppSpec, hooks?: SpawnHooks, signal?: AbortSignal): Promise<SpawnedProcess> {
  const args = nodeArgs(app)
  const command = commandLine(process.execPath, args)
  throwIfCancelled(app, command, signal)
  const socketPath = socketPathFor(app, command)
  const child = await startChild({
    app,
    file: process.execPath,
    args,
    command,
    env: appEnv(app, { FERRY_SOCKET_PATH: socketPath }),
    ipc: true,
    hooks,
    beforeStop: closeChannel,
    afterExit: () => rm(socketPath, { force: true })
  })
  const message = `App process for ${app.root} did not call listen() on an HTTP server within ` +
    `${seconds(app.startTimeoutMs)}; make it listen, or raise --start-timeout if it needs longer (see its output in the log)`
  await awaitReady({
    child,
    app,
    signal,
    waitReady: until => readyMessage(child.process, socketPath, until),
    timeout: { reason: 'never-listened', message }
  })
  const proc = child.process
  proc.on('message', (m: unknown) => {
    if (isMessage(m, LOAD_MESSAGE) && typeof m.elu === 'number') hooks?.onLoad?.(child.pid, m.elu)
  })
  return toSpawnedProcess(child, { kind: 'unix', socketPath }, 0, { oobWork: timeoutMs => askOobWork(proc, timeoutMs) })
}

let oobRequests = 0

/** Sends the out-of-band work request and waits for the matching "done" (false on timeout or a closed channel). */
function askOobWork (proc: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!proc.connected) return Promise.resolve(false)
  const id = ++oobRequests
  return new Promise(resolve => {
    const finish = (ok: boolean): void => {
      clearTimeout(timer)
      proc.off('message', onMessage)
      proc.off('disconnect', onGone)
      resolve(ok)
    }
    const onMessage = (m: unknown): void => { if (isMessage(m, OOB_DONE_MESSAGE) && m.id === id) finish(true) }
    const onGone = (): void => finish(false)
    const timer = setTimeout(() => finish(false), timeoutMs)
    proc.on('message', onMessage)
    proc.once('disconnect', onGone)
    proc.send({ type: OOB_WORK_MESSAGE, id }, err => { if (err != null) finish(false) })
  })
}

function isMessage (m: unknown, type: string): m is Record<string, unknown> {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type
}

function socketPathFor (app: AppSpec, command: string): string {
  if (app.startupFile === undefined) {
    throw spawnFailure(`App at ${app.root} has no startup file; pass --startup-file`, { reason: 'failed', app, command })
  }
  const path = join(socketDirFor(app), `n.${randomBytes(6).readUIntBE(0, 6).toString(36)}.sock`)
  if (Buffer.byteLength(path) >= MAX_SOCKET_PATH_BYTES) {
    const message = `Socket path ${path} is too long for a Unix socket; use a shorter temporary directory (TMPDIR)`
    throw spawnFailure(message, { reason: 'failed', app, command })
  }
  return path
}

/**
 * Where the app may create its socket: the core's directory, or, for an app running as another user, a directory
 * of that user's inside it (the core's directory is only traversable, so users cannot see each other's sockets).
 */
function socketDirFor (app: AppSpec): string {
  const id = app.identity
  if (id === undefined) return app.socketDir
  const dir = join(app.socketDir, `u${id.uid}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chownSync(dir, id.uid, id.gid)
  return dir
}

/** Resolves when the preload reports that the app's server accepts on our socket. */
async function readyMessage (proc: ChildProcess, socketPath: string, signal: AbortSignal): Promise<void> {
  for await (const [message] of on(proc, 'message', { signal })) {
    if (isReadyMessage(message, socketPath)) return
  }
}

function isReadyMessage (message: unknown, socketPath: string): boolean {
  if (typeof message !== 'object' || message === null) return false
  const m = message as { type?: unknown, socketPath?: unknown }
  return m.type === READY_MESSAGE && m.socketPath === socketPath
}

/** Closing the IPC channel tells the preload to close the server and exit, even if the app handles SIGTERM. */
function closeChannel (proc: ChildProcess): void {
  if (proc.connected) proc.disconnect()
}
