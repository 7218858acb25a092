// The Node loader: runs the app's entry file with preload.cjs required first. The preload moves the app's first
// HTTP listen() onto a Unix socket chosen here and reports over IPC once that socket accepts, so unmodified apps
// (listening on 3000, on $PORT, on anything) work, whether CommonJS or ES modules.
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { AppSpec, Loader, SpawnedProcess, SpawnHooks } from './loader.js'
import { commandLine, startChild, toSpawnedProcess } from './child.js'
import { awaitReady } from './ready.js'
import { appEnv } from './app-env.js'
import { seconds, spawnFailure, throwIfCancelled } from './failure.js'
import { askOobWork, closeChannel, isMessage, LOAD_MESSAGE, readyMessage } from './app-channel.js'
import { socketPathFor } from './app-socket.js'

// preload.cjs is not compiled (tsconfig takes only *.ts): from dist/src/core/spawn/ it is found back in src/.
const PRELOAD = fileURLToPath(new URL('../../../../src/core/spawn/preload.cjs', import.meta.url))

export function createNodeLoader (): Loader {
  return Object.freeze({ type: 'node' as const, spawn: spawnNodeApp, startCommand: (app: AppSpec) => commandLine(process.execPath, nodeArgs(app)) })
}

const nodeArgs = (app: AppSpec): string[] => ['--require', PRELOAD, app.startupFile ?? '']

async function spawnNodeApp (app: AppSpec, hooks?: SpawnHooks, signal?: AbortSignal): Promise<SpawnedProcess> {
  const args = nodeArgs(app)
  const command = commandLine(process.execPath, args)
  throwIfCancelled(app, command, signal)
  if (app.startupFile === undefined) {
    throw spawnFailure(`App at ${app.root} has no startup file; pass --startup-file`, { reason: 'failed', app, command })
  }
  const socketPath = socketPathFor(app, command, 'n')
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
