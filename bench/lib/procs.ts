// Every process the bench starts is registered here, so one place can stop them all: at the end of a run, after
// an error, and on Ctrl-C / SIGTERM. Processes are addressed by PID only (never by name), and each stop is
// bounded: SIGTERM first, SIGKILL once the grace period is over.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'

const TAIL_CHARS = 8192

export interface Managed {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number
  /** Resolves once the child has exited (never rejects). */
  readonly exited: Promise<void>
  /** PIDs started by the child that must not outlive it (Ferry's core and app processes). */
  readonly extraPids: Set<number>
  /** A polite stop tried before signals (e.g. `passenger stop`); optional. */
  gracefulStop?: () => Promise<void>
  /** The last output of the child, for error messages when it fails to start. */
  tail: () => string
  /** Called with every chunk of output, e.g. to find a banner. */
  onOutput: (listener: (chunk: string) => void) => void
}

const managed: Managed[] = []
const tempDirs: string[] = []

/** Spawns a process with its output captured (drained continuously, so a chatty child never blocks on a full pipe). */
export function start (name: string, command: string, args: string[], options: SpawnOptions = {}): Managed {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let tail = ''
  // Attached before anything can throw: an unhandled 'error' event (e.g. ENOENT) would crash the bench.
  child.on('error', err => { tail += `\n[bench] ${name}: ${err.message}\n` })
  if (child.pid === undefined) {
    // spawn() reports ENOENT & co. asynchronously; without a pid there is nothing to manage.
    throw new Error(`cannot start ${name} (${command}): spawn failed`)
  }
  const listeners: Array<(chunk: string) => void> = []
  const onData = (buf: Buffer): void => {
    const s = buf.toString('utf8')
    tail = (tail + s).slice(-TAIL_CHARS)
    for (const l of listeners) l(s)
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<void>(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
  const m: Managed = {
    name, child, pid: child.pid, exited, extraPids: new Set(),
    tail: () => tail,
    onOutput: l => { listeners.push(l) }
  }
  managed.push(m)
  return m
}

export function isRunning (m: Managed): boolean {
  return m.child.exitCode === null && m.child.signalCode === null
}

/** True if the PID exists and is not a zombie (an orphan may sit unreaped in a container without an init). */
export function pidAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    // /proc/<pid>/stat is "pid (comm) S ..."; comm may contain spaces, so read the state after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

function signal (pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig) } catch { /* already gone */ }
}

async function waitUntil (done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() >= deadline) return false
    await sleep(50)
  }
  return true
}

/** SIGTERM, then SIGKILL after graceMs, for a PID we did not spawn directly (so only polling can tell it is gone). */
async function stopPid (pid: number, graceMs: number): Promise<void> {
  if (!pidAlive(pid)) return
  signal(pid, 'SIGTERM')
  if (await waitUntil(() => !pidAlive(pid), graceMs)) return
  signal(pid, 'SIGKILL')
  await waitUntil(() => !pidAlive(pid), 2000)
}

async function withTimeout (p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([p.catch(() => {}), new Promise<void>(resolve => { timer = setTimeout(resolve, ms) })])
  clearTimeout(timer)
}

export async function stop (m: Managed, graceMs = 5000): Promise<void> {
  const idx = managed.indexOf(m)
  if (idx >= 0) managed.splice(idx, 1)
  if (m.gracefulStop !== undefined && isRunning(m)) await withTimeout(m.gracefulStop(), graceMs)
  if (isRunning(m)) {
    signal(m.pid, 'SIGTERM')
    await withTimeout(m.exited, graceMs)
  }
  if (isRunning(m)) {
    signal(m.pid, 'SIGKILL')
    await withTimeout(m.exited, 2000)
  }
  // The child (e.g. Ferry's watchdog) normally stops its own children; this catches the ones it left behind.
  await Promise.all([...m.extraPids].map(pid => stopPid(pid, graceMs)))
}

/**
 * Runs a process to completion (registered, so Ctrl-C stops it), killing it if it overruns; resolves its stdout.
 * A non-zero exit rejects with the end of its output.
 */
export async function runToEnd (name: string, cmd: string, args: string[], timeoutMs: number, options: SpawnOptions = {}): Promise<string> {
  const m = start(name, cmd, args, options)
  let stdout = ''
  m.child.stdout?.on('data', (b: Buffer) => { stdout += b.toString('utf8') })
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; void stop(m, 1000) }, timeoutMs)
  await m.exited
  clearTimeout(timer)
  await stop(m)
  if (timedOut) throw new Error(`${name} did not finish within ${timeoutMs} ms`)
  if (m.child.exitCode !== 0) throw new Error(`${name} exited with ${m.child.exitCode ?? m.child.signalCode ?? '?'}:\n${m.tail()}`)
  return stdout
}

export function registerTempDir (dir: string): void {
  tempDirs.push(dir)
}

export async function stopAll (): Promise<void> {
  await Promise.all([...managed].reverse().map(m => stop(m)))
  if (process.env.BENCH_KEEP_TMP === undefined) {
    for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Ctrl-C / SIGTERM: stop everything, then exit. 'exit' is the last resort (e.g. process.exit() elsewhere):
 * it cannot wait, so it only SIGKILLs what is still registered.
 */
let interrupted = false

/** True once a signal started the shutdown: errors from then on are its consequences, not failures to report. */
export const wasInterrupted = (): boolean => interrupted

export function installCleanupHandlers (): void {
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) return
    interrupted = true
    process.stderr.write(`\n[bench] ${sig}: stopping everything the bench started…\n`)
    void stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143))
  }
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal)
  process.on('exit', () => {
    for (const m of managed) {
      if (isRunning(m)) signal(m.pid, 'SIGKILL')
      for (const pid of m.extraPids) if (pidAlive(pid)) signal(pid, 'SIGKILL')
    }
  })
}
