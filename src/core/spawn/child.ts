// The part every loader shares: start one child process, deliver its output as lines, report its exit once, and
// stop it with SIGTERM then SIGKILL. Loaders add only how to start the app and what "ready" means.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import type { Readable } from 'node:stream'
import type { AppSpec, ExitInfo, SpawnedProcess, SpawnHooks, UpstreamTarget } from './loader.js'
import { LineRing, readLines } from './output.js'
import { spawnFailure } from './failure.js'
import { scheduledCommand } from './scheduling.js'
import { guardChannel } from './channel-guard.js'

/** Lines kept for error reports (SpawnFailure.output promises at most 100). */
const OUTPUT_LINES = 100
/** How long to wait, after the exit, for the pipes to close; a grandchild holding them must not hold up the exit. */
const CLOSE_WAIT_MS = 200
const DEFAULT_GRACE_MS = 5_000

export interface ChildOptions {
  readonly app: AppSpec
  readonly file: string
  readonly args: readonly string[]
  /** The command line shown in status views and error pages. */
  readonly command: string
  readonly env: NodeJS.ProcessEnv
  /** Opens an IPC channel as fd 3 (Node apps report readiness over it). */
  readonly ipc?: boolean
  readonly hooks?: SpawnHooks | undefined
  /** Runs once, just before SIGTERM (a Node app is also told by closing its IPC channel). */
  readonly beforeStop?: (proc: ChildProcess) => void
  /** Runs once after the exit, before `exited` settles (removes files the process left behind). */
  readonly afterExit?: () => Promise<void>
}

export interface Child {
  readonly process: ChildProcess
  readonly pid: number
  readonly command: string
  readonly cwd: string
  readonly exited: Promise<ExitInfo>
  /** The last lines of stdout and stderr, interleaved as they arrived, oldest first. */
  output (): string[]
  stop (graceMs?: number): Promise<ExitInfo>
  /** SIGKILL now (recorded as forced). */
  kill (): void
}

/**
 * The app's lifeline. Every app runs in a process group of its own, and a shell forks a watcher into that group before
 * it execs the app: the watcher blocks reading a pipe whose only write end the core holds, and kills the whole group
 * (the app and everything it started) when the pipe ends. It ends when the core exits, however it dies (SIGKILL
 * included: the kernel closes the pipe), and when the core closes it after the app exited, which also ends what the
 * app left behind. No prctl(PR_SET_PDEATHSIG) is needed, and unlike it this reaches the app's own children.
 * The app itself keeps /dev/null on stdin, and the watcher holds none of the app's other pipes (nor node's fd 3).
 */
const LIFELINE = 'exec 9<&0 </dev/null; ' +
  // A short command line of its own, so that ps and memory-stats show what it is: "sh -c … ferry-lifeline".
  '(exec /bin/sh -c \'read -r _; kill -KILL 0\' ferry-lifeline <&9 >/dev/null 2>&1 3<&- 9<&-) & ' +
  'exec 9<&-; exec "$@"'

/** Starts the process; rejects with an E_SPAWN_FAILED SpawnError when it cannot be started at all. */
export async function startChild (opts: ChildOptions): Promise<Child> {
  const stdio: StdioOptions = opts.ipc === true ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe']
  // Detached (a group of its own, see LIFELINE), so that killing the app's group never reaches the core.
  // Never as root: when Ferry is root, the app runs as the user detect chose (uid/gid set before exec).
  const id = opts.app.identity
  const as = id === undefined ? {} : { uid: id.uid, gid: id.gid }
  const { file, args } = await scheduledCommand(opts.app, opts.file, opts.args)
  const proc = spawn('/bin/sh', ['-c', LIFELINE, 'ferry-app', file, ...args], { cwd: opts.app.root, env: opts.env, stdio, detached: true, ...as })
  try {
    await once(proc, 'spawn')
  } catch (err) {
    throw spawnFailure(startErrorMessage(opts, err), { reason: 'failed', app: opts.app, command: opts.command }, err)
  }
  // Later 'error' events are failed kills or sends; the exit, if any, is reported through `exited`.
  proc.on('error', () => {})
  const child = wrapChild(proc, proc.pid as number, opts)
  if (opts.ipc === true) {
    guardChannel(proc, why => {
      // Told in the app's own output, so the log names the app and the process.
      opts.hooks?.onOutput?.(child.pid, 'stderr', `Ferry: killing this process: it wrote ${why} on its channel to Ferry (fd 3)`)
      child.kill()
    })
  }
  return child
}

/** spawn() blames a missing working directory on the executable (ENOENT); say which one is really missing. */
function startErrorMessage (opts: ChildOptions, err: unknown): string {
  const cwdMissing = (err as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(opts.app.root)
  const why = cwdMissing ? `its directory ${opts.app.root} does not exist` : (err as Error).message
  return `Could not start an app process for ${opts.app.root}: ${why}`
}

function wrapChild (proc: ChildProcess, pid: number, opts: ChildOptions): Child {
  const ring = new LineRing(OUTPUT_LINES)
  for (const stream of ['stdout', 'stderr'] as const) {
    const readable = proc[stream]
    if (readable === null) continue
    readLines(readable, line => {
      ring.push(line)
      opts.hooks?.onOutput?.(pid, stream, line)
    })
  }
  const state = { forced: false }
  const exited = watchExit(proc, state, opts.afterExit)
  let stopping: Promise<ExitInfo> | undefined
  const stop = (graceMs = DEFAULT_GRACE_MS): Promise<ExitInfo> => {
    stopping ??= terminate(proc, exited, graceMs, state, opts.beforeStop)
    return stopping
  }
  const kill = (): void => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    state.forced = true
    proc.kill('SIGKILL')
  }
  return { process: proc, pid, command: opts.command, cwd: opts.app.root, exited, output: () => ring.toArray(), stop, kill }
}

/** Settles once with the exit status, after the pipes closed (so the last lines are in) and afterExit ran. */
function watchExit (proc: ChildProcess, state: { forced: boolean }, afterExit?: () => Promise<void>): Promise<ExitInfo> {
  // The pipes, not the ChildProcess 'close' event: that one never comes once the IPC channel was disconnected.
  const pipesClosed = Promise.all([proc.stdout, proc.stderr].map(whenClosed))
  return new Promise(resolve => {
    proc.once('exit', (code, signal) => {
      proc.stdin?.destroy() // the lifeline: its watcher now ends whatever the app left in its group
      const info: ExitInfo = { code, signal, forced: state.forced }
      void untilOrTimeout(pipesClosed, CLOSE_WAIT_MS)
        .then(() => afterExit?.())
        .catch(() => {})
        .then(() => resolve(info))
    })
  })
}

function whenClosed (stream: Readable | null): Promise<void> {
  if (stream === null || stream.closed) return Promise.resolve()
  return new Promise(resolve => stream.once('close', () => resolve()))
}

/** Waits for the promise, but no longer than ms. */
async function untilOrTimeout (promise: Promise<unknown>, ms: number): Promise<void> {
  const ac = new AbortController()
  try {
    await Promise.race([promise, delay(ms, undefined, { signal: ac.signal })])
  } finally {
    ac.abort()
  }
}

/** SIGTERM, then SIGKILL when the process is still there after graceMs (recorded as forced). */
async function terminate (proc: ChildProcess, exited: Promise<ExitInfo>, graceMs: number, state: { forced: boolean },
  beforeStop?: (proc: ChildProcess) => void): Promise<ExitInfo> {
  if (proc.exitCode !== null || proc.signalCode !== null) return await exited
  beforeStop?.(proc)
  proc.kill('SIGTERM')
  const ac = new AbortController()
  try {
    const first = await Promise.race([exited, delay(graceMs, undefined, { signal: ac.signal })])
    if (first !== undefined) return first
    state.forced = true
    proc.kill('SIGKILL')
    return await exited
  } finally {
    ac.abort()
  }
}

/** What the pool sees of a started and ready child. */
export function toSpawnedProcess (child: Child, target: UpstreamTarget, concurrency: number,
  extra: Pick<SpawnedProcess, 'oobWork'> = {}): SpawnedProcess {
  return Object.freeze({
    pid: child.pid,
    target: Object.freeze(target),
    concurrency,
    command: child.command,
    exited: child.exited,
    stop: (graceMs?: number) => child.stop(graceMs),
    kill: () => child.kill(),
    ...extra
  })
}

/** A command line for display: arguments with spaces or quotes are single-quoted, as a shell would need. */
export function commandLine (file: string, args: readonly string[]): string {
  return [file, ...args].map(a => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll('\'', '\'\\\'\'')}'`).join(' ')
}
