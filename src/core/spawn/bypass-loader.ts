// The Node loader of --bypass: the app's processes share the instance's listening socket and accept clients
// themselves. Each one is started like a Node app (preload-bypass.cjs instead of preload.cjs), handed the listening
// handle over its IPC channel, and ready once its server listens on it. Its request counters come back in batches.
// Stopping one drains it first: it stops accepting, finishes its requests, says so, and only then gets SIGTERM.
// It also reports how many connections it holds, and sheds some when told (connection balance).
import type { ChildProcess } from 'node:child_process'
import { on, once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { AppSpec, ExitInfo, Loader, OobResult, ProcessStats, SpawnedProcess, SpawnHooks, UpstreamTarget } from './loader.js'
import { commandLine, startChild, toSpawnedProcess, type Child } from './child.js'
import { awaitReady } from './ready.js'
import { appEnv } from './app-env.js'
import { seconds, spawnFailure, throwIfCancelled } from './failure.js'
import { askOobWork, isMessage, LOAD_MESSAGE } from './app-channel.js'
import { invalidated, relayTo } from './invalidation-relay.js'
import type { InProcessOptions } from '../bypass/in-process.js'
import { toCacheFigures } from '../bypass/cache-figures.js'
import type { PurgeTarget } from '../admin/purge-target.js'

// Not compiled (tsconfig takes only *.ts): from dist/src/core/spawn/ it is found back in src/.
const PRELOAD = fileURLToPath(new URL('../../../../src/core/spawn/preload-bypass.cjs', import.meta.url))
const DEFAULT_GRACE_MS = 5_000
/** The compiled module that serves static files and the turbocache inside the process (imported by the preload). */
const IN_PROCESS_MODULE = new URL('../bypass/in-process.js', import.meta.url).href
/** How long a purge waits for a process's answer; one that does not answer in time counts 0 entries. */
const PURGE_TIMEOUT_MS = 2_000

/** The instance's listening socket as the core holds it: a raw handle it never accepts on, and its address. */
export interface SharedListener {
  /** Undefined until the core has bound it (groups start only after that). */
  handle (): object | undefined
  readonly target: () => UpstreamTarget
}

/**
 * `serving`: what the processes of an app serve themselves before its handler (static files, the turbocache);
 * undefined when neither is on.
 */
export function createBypassLoader (listener: SharedListener, serving: (app: AppSpec) => InProcessOptions | undefined = () => undefined): Loader {
  return Object.freeze({
    type: 'node' as const,
    spawn: (app: AppSpec, hooks?: SpawnHooks, signal?: AbortSignal) => spawnBypassed(listener, app, serving(app), hooks, signal),
    startCommand: (app: AppSpec) => commandLine(process.execPath, nodeArgs(app))
  })
}

const nodeArgs = (app: AppSpec): string[] => ['--require', PRELOAD, app.startupFile ?? '']

async function spawnBypassed (listener: SharedListener, app: AppSpec, serving: InProcessOptions | undefined, hooks?: SpawnHooks,
  signal?: AbortSignal): Promise<SpawnedProcess> {
  const args = nodeArgs(app)
  const command = commandLine(process.execPath, args)
  throwIfCancelled(app, command, signal)
  const handle = listener.handle()
  if (app.startupFile === undefined || handle === undefined) {
    const why = handle === undefined ? 'the listening socket is not open yet' : 'it has no startup file; pass --startup-file'
    throw spawnFailure(`Cannot start an app process for ${app.root}: ${why}`, { reason: 'failed', app, command })
  }
  const child = await startChild({ app, file: process.execPath, args, command, env: appEnv(app, bypassEnv(app)), ipc: true, hooks })
  const proc = child.process
  // keepOpen: the core's copy stays open for the next process (and keeps queueing clients while none accepts).
  const serve = serving === undefined ? undefined : { module: IN_PROCESS_MODULE, options: serving }
  proc.send({ type: 'ferry:listen-handle', serve }, handle as never, { keepOpen: true }, () => {})
  const message = `App process for ${app.root} did not call listen() on an HTTP server within ` +
    `${seconds(app.startTimeoutMs)}; make it listen, or raise --start-timeout if it needs longer (see its output in the log)`
  // Listened to before the process is ready: it accepts clients as soon as it listens, so what it reports from then on
  // (a write's invalidations above all) must not be lost while the core has yet to hear it is ready.
  proc.on('message', (m: unknown) => {
    if (isMessage(m, LOAD_MESSAGE) && typeof m.elu === 'number') hooks?.onLoad?.(child.pid, m.elu)
    else if (isMessage(m, 'ferry:stats')) { const s = toStats(m); if (s !== undefined) hooks?.onStats?.(child.pid, s) }
    else if (isMessage(m, 'ferry:oob-wanted')) hooks?.onOobWanted?.(child.pid)
    else if (isMessage(m, 'ferry:connections')) { const open = count(m.open); if (open !== undefined) hooks?.onConnections?.(child.pid, open) }
    else if (isMessage(m, 'ferry:cache-invalidated')) { const what = invalidated(m); if (what !== undefined) hooks?.onCacheInvalidated?.(child.pid, what) }
  })
  await awaitReady({ child, app, signal, waitReady: until => readyMessage(proc, until), timeout: { reason: 'never-listened', message } })
  const spawned = toSpawnedProcess(child, listener.target(), 0)
  return Object.freeze({
    ...spawned,
    acceptsItself: true,
    stop: drainThenStop(child),
    oobWork: (timeoutMs: number) => oobWork(proc, listener, timeoutMs),
    purgeCache: (target: PurgeTarget) => purgeIn(proc, target),
    shedConnections: (n: number) => { if (proc.connected) proc.send({ type: 'ferry:shed', count: n }, () => {}) },
    dropCacheKeys: relayTo(proc)
  })
}

/**
 * Out-of-band work: the process stops accepting and does the work once its requests are done (preload-bypass.cjs);
 * then it gets the listening socket back (it closed its copy to stop accepting), also when the work timed out.
 */
async function oobWork (proc: ChildProcess, listener: SharedListener, timeoutMs: number): Promise<OobResult> {
  const done = await askOobWork(proc, timeoutMs)
  const handle = listener.handle()
  if (proc.connected && handle !== undefined) proc.send({ type: 'ferry:listen-handle' }, handle as never, { keepOpen: true }, () => {})
  return done
}

let purges = 0

/** Asks the process to drop what `target` names from its turbocache; resolves with how many entries it dropped. */
async function purgeIn (proc: ChildProcess, target: PurgeTarget): Promise<number> {
  if (!proc.connected) return 0
  const id = ++purges
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), PURGE_TIMEOUT_MS)
  try {
    const answer = (async () => {
      for await (const [m] of on(proc, 'message', { signal: ac.signal })) {
        if (isMessage(m, 'ferry:cache-purged') && m.id === id) return typeof m.purged === 'number' && m.purged >= 0 ? m.purged : 0
      }
      return 0
    })()
    proc.send({ type: 'ferry:cache-purge', id, target }, err => { if (err != null) ac.abort() })
    return await Promise.race([answer, once(proc, 'disconnect', { signal: ac.signal }).then(() => 0)])
  } catch {
    return 0
  } finally {
    clearTimeout(timer)
    ac.abort()
  }
}

/** stop(): the process stops accepting and finishes its requests (within the grace), then the usual SIGTERM. */
function drainThenStop (child: Child): (graceMs?: number) => Promise<ExitInfo> {
  let stopping: Promise<ExitInfo> | undefined
  return (graceMs = DEFAULT_GRACE_MS) => {
    stopping ??= (async () => {
      const started = Date.now()
      await drained(child.process, child.exited, graceMs)
      // The IPC channel closes in the preload's own exit path; SIGTERM follows at once, as for any Node app.
      if (child.process.connected) child.process.disconnect()
      return await child.stop(Math.max(0, graceMs - (Date.now() - started)))
    })()
    return stopping
  }
}

/** Resolves when the process reports it drained, exits, or the grace is over. */
async function drained (proc: ChildProcess, exited: Promise<ExitInfo>, graceMs: number): Promise<void> {
  if (!proc.connected) return
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), graceMs)
  try {
    const done = (async () => { for await (const [m] of on(proc, 'message', { signal: ac.signal })) if (isMessage(m, 'ferry:drained')) return })()
    proc.send({ type: 'ferry:drain' }, err => { if (err != null) ac.abort() })
    await Promise.race([done, exited, once(proc, 'disconnect', { signal: ac.signal })])
  } catch {
    // Aborted: the grace ran out or the channel is gone; the caller stops the process either way.
  } finally {
    clearTimeout(timer)
    ac.abort()
  }
}

/**
 * libuv accepts every pending connection at each wake-up, so under a burst of connects the process that wakes first
 * takes nearly all of them and keeps them (keep-alive). With UV_TCP_SINGLE_ACCEPT it takes one and yields, so the
 * processes share a burst about evenly (node's cluster module documents it for its shared-handle mode). Measured
 * with wrk, 50 connections, 2 processes: 64/36% and 60/40% of the requests without it, 51/49% with it.
 * An app's own --envvar setting wins.
 */
function bypassEnv (app: AppSpec): Record<string, string> {
  return app.env.UV_TCP_SINGLE_ACCEPT === undefined ? { FERRY_BYPASS: '1', UV_TCP_SINGLE_ACCEPT: '1' } : { FERRY_BYPASS: '1' }
}

async function readyMessage (proc: ChildProcess, signal: AbortSignal): Promise<void> {
  for await (const [m] of on(proc, 'message', { signal })) {
    if (isMessage(m, 'ferry:ready') && m.bypass === true) return
  }
}

/** A count the process reported (a whole number, not negative), or undefined: the app runs code of its own there. */
const count = (v: unknown): number | undefined => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined

/** The preload's report, checked field by field: the app runs code of its own in that process. */
function toStats (m: Record<string, unknown>): ProcessStats | undefined {
  const n = (v: unknown): number => typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0
  const list = (v: unknown, len: number): number[] => Array.from({ length: len }, (_, i) => n(Array.isArray(v) ? v[i] : 0))
  return {
    processed: n(m.processed),
    inFlight: n(m.inFlight),
    lastUsed: n(m.lastUsed),
    bytesIn: n(m.bytesIn),
    bytesOut: n(m.bytesOut),
    byClass: list(m.byClass, 6),
    buckets: list(m.buckets, 12),
    sumMs: n(m.sumMs),
    cache: toCacheFigures(m.cache)
  }
}
