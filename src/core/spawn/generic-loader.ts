// The generic loader: runs any command that serves HTTP on $PORT. Ferry picks a free loopback port, runs the command
// through `/bin/sh -c "exec …"` (so $PORT expands and the shell gives way to the app, keeping signals direct) and
// counts the app ready once a TCP connect to the port succeeds.
import { connect, createServer, type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { setTimeout as delay } from 'node:timers/promises'
import type { AppSpec, Loader, SpawnedProcess, SpawnHooks } from './loader.js'
import { startChild, toSpawnedProcess } from './child.js'
import { awaitReady } from './ready.js'
import { appEnv } from './app-env.js'
import { seconds, spawnFailure, throwIfCancelled } from './failure.js'

const HOST = '127.0.0.1'
const POLL_INTERVAL_MS = 50
/** A probe that takes longer than this counts as "not yet": a listening port answers a loopback connect at once. */
const CONNECT_TIMEOUT_MS = 100

export function createGenericLoader (): Loader {
  return Object.freeze({ type: 'generic' as const, spawn: spawnGenericApp })
}

async function spawnGenericApp (app: AppSpec, hooks?: SpawnHooks, signal?: AbortSignal): Promise<SpawnedProcess> {
  const command = app.startCommand ?? ''
  throwIfCancelled(app, command, signal)
  if (command.trim() === '') {
    throw spawnFailure(`App at ${app.root} has no start command; pass --app-start-command`, { reason: 'failed', app, command })
  }
  const port = await freePort(app, command)
  const child = await startChild({ app, file: '/bin/sh', args: ['-c', `exec ${command}`], command, env: appEnv(app, { PORT: String(port) }), hooks })
  const message = `App process for ${app.root} did not accept connections on port ${port} ($PORT) within ` +
    `${seconds(app.startTimeoutMs)}; make it listen on $PORT, or raise --start-timeout (see its output in the log)`
  await awaitReady({ child, app, signal, waitReady: until => waitForPort(port, until), timeout: { reason: 'timeout', message } })
  return toSpawnedProcess(child, { kind: 'tcp', host: HOST, port }, 0)
}

/** A port nobody listens on right now: the kernel picks one, we give it back and hand it to the app. */
async function freePort (app: AppSpec, command: string): Promise<number> {
  const server = createServer()
  try {
    server.listen(0, HOST)
    await once(server, 'listening')
    return (server.address() as AddressInfo).port
  } catch (err) {
    throw spawnFailure(`Could not find a free port for ${app.root}: ${(err as Error).message}`, { reason: 'failed', app, command }, err)
  } finally {
    server.close()
  }
}

/** Polls until a connect to the port succeeds; rejects (AbortError) when the signal aborts. */
async function waitForPort (port: number, signal: AbortSignal): Promise<void> {
  while (!(await canConnect(port, signal))) {
    await delay(POLL_INTERVAL_MS, undefined, { signal })
  }
}

function canConnect (port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise(resolve => {
    // Our own abort listener rather than connect({ signal }): that one outlives the probe, one listener per poll.
    const socket = connect({ host: HOST, port, timeout: CONNECT_TIMEOUT_MS })
    const done = (ok: boolean): void => {
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(ok)
    }
    const onAbort = (): void => done(false)
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => done(true))
    socket.once('timeout', () => done(false))
    socket.once('error', () => done(false))
  })
}
