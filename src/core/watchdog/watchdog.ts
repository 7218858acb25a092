// The watchdog ("Ferry watchdog"): starts the core, restarts it when it crashes or hangs (heartbeat.ts), and stops
// it on SIGINT/SIGTERM. It keeps a copy of the front's listening socket (kept-listener.ts), so clients wait rather
// than being refused while a core is replaced. The core runs in its own process group, which the watchdog kills
// after it exits; app processes have groups of their own and die with the core through their lifelines (child.ts).
import { fork, type ChildProcess } from 'node:child_process'
import { chmodSync, lstatSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from '../log/logger.js'
import { hasType, isStartEvent, type CoreConfig, type StartEvent } from './messages.js'
import { InstanceEntry } from './instance.js'
import { FIRST_BEAT_ALLOWANCE_MS, isHeartbeat, watchHeartbeat } from './heartbeat.js'
import { isListenerMessage, isListenerRequest, sendListener, type RawListener } from './kept-listener.js'

const CORE_MAIN = fileURLToPath(new URL('../runtime/core-main.js', import.meta.url))
const STOP_GRACE_MS = 45_000
const RESTART_WINDOW_MS = 60_000
const MAX_RESTARTS_IN_WINDOW = 5
/**
 * A core must report `listening` within --start-timeout plus this margin, counted from its first heartbeat (sent as
 * its own start-up clock starts, runtime/start-deadline.ts), or it is killed (and the start fails, or, after a crash,
 * it counts as one more). The core bounds each of its own steps by --start-timeout and says which one ran out; the
 * margin lets that clearer message arrive first, so this bound only catches a core stuck where no step of its own is
 * waiting. Loading its modules is not counted: on a busy machine that alone can take longer than a short
 * --start-timeout, and a core that never loads is the heartbeat's to catch (FIRST_BEAT_ALLOWANCE_MS).
 */
const CORE_START_MARGIN_MS = 5_000
/** Test hook (never set outside tests): the watchdog ignores the core's 'want-listener', as if the request were lost. */
const IGNORE_WANT_LISTENER = process.env.FERRY_TEST_IGNORE_WANT_LISTENER === '1'

export interface WatchdogOptions {
  readonly config: CoreConfig
  readonly logger: Logger
  /** Where the core writes its log: inherit the watchdog's stdio, or a file descriptor. */
  readonly output: 'inherit' | number
  readonly onEvent: (e: StartEvent) => void
  /**
   * A watchdog in the foreground of a terminal stops on SIGHUP (its terminal went away); any other passes it to the
   * core, which re-reads its configuration (`kill -HUP` with the pid file's PID, as daemons are reloaded).
   */
  readonly stopOnHangup: boolean
  /** Reopens the watchdog's own log file, when the core asks (after POST /reopen_logs.json). */
  readonly reopenLogs?: () => void
}

/** Runs until the instance stops; resolves the exit code for the watchdog process. */
export function runWatchdog (o: WatchdogOptions): Promise<number> {
  process.title = 'Ferry watchdog'
  return new Promise(resolve => {
    let core: ChildProcess | undefined
    // --socket-file is `ferry fly`'s own option: the instance serves behind a front server.
    const entry = new InstanceEntry(o.config.options.instanceRegistryDir, o.logger, o.config.options.socketFile !== undefined ? 'flying' : 'standalone')
    let config: CoreConfig = entry.dir === undefined ? o.config : { ...o.config, instanceDir: entry.dir }
    let stopping = false
    let everListened = false
    let registered = false
    const restarts: number[] = []
    let listener: RawListener | undefined
    /** This instance bound the front's socket (a core handed it over), so a Unix socket file there is its own. */
    let keptOne = false

    const start = (): void => {
      const stdio = o.output === 'inherit' ? 'inherit' : o.output
      const socketDir = makeSocketDir()
      core = fork(CORE_MAIN, [], {
        detached: true,
        stdio: ['ignore', stdio, stdio, 'ipc'],
        env: { ...process.env, FERRY_CORE_CONFIG: JSON.stringify({ ...config, socketDir, keptListener: listener !== undefined }) }
      })
      const child = core
      const startTimeoutMs = config.options.startTimeout * 1000
      const onStartTimeout = (plusMs: number, from: string): void => {
        if (stopping) return
        const message = `the Ferry core (pid ${child.pid ?? '?'}) did not listen within ${(startTimeoutMs + plusMs) / 1000} s of ${from} ` +
          `(--start-timeout plus ${plusMs / 1000} s); killed it; see the log above for its last step`
        o.logger.error(message)
        if (!everListened) o.onEvent({ type: 'error', code: 'E_CORE_START_TIMEOUT', message })
        killGroup(child.pid)
      }
      // Until its first beat the core is loading: bounded from the fork with the heartbeat's first-beat allowance
      // (or only by this, when heartbeats are off), then re-armed from the beat.
      const loadPlusMs = FIRST_BEAT_ALLOWANCE_MS + CORE_START_MARGIN_MS
      let startTimer = setTimeout(() => onStartTimeout(loadPlusMs, 'its fork'), startTimeoutMs + loadPlusMs)
      startTimer.unref()
      let beaten = false
      /** It reported `listening` or its own start-up error: no bound applies any more. */
      let settled = false
      const stopWatching = watchHeartbeat(child, config.options.coreHeartbeatTimeout * 1000, silentMs => {
        if (stopping) return
        o.logger.error(`Ferry core (pid ${child.pid ?? '?'}) sent no heartbeat for ${Math.round(silentMs / 1000)} s ` +
          '(--core-heartbeat-timeout): it hangs; killing it so that it is restarted')
        killGroup(child.pid)
      })
      child.on('message', (m, handle) => {
        if (isHeartbeat(m)) {
          if (beaten) return
          beaten = true
          if (settled) return
          clearTimeout(startTimer)
          startTimer = setTimeout(() => onStartTimeout(CORE_START_MARGIN_MS, 'its start'), startTimeoutMs + CORE_START_MARGIN_MS)
          startTimer.unref()
          return
        }
        if (isListenerMessage(m) && handle !== undefined) { listener ??= handle as unknown as RawListener; keptOne = true; return }
        if (isListenerRequest(m)) {
          if (listener !== undefined && !IGNORE_WANT_LISTENER) sendListener(child, listener)
          else if (listener === undefined) o.logger.warn('the core asked for the listening socket, but this watchdog holds none')
          return
        }
        if (hasType(m, 'stopping')) { letGoOfListener(); return }
        if (hasType(m, 'reopen-logs')) { o.reopenLogs?.(); return }
        if (!isStartEvent(m)) return
        if (m.type === 'listening' || m.type === 'error') { settled = true; clearTimeout(startTimer) }
        o.onEvent(m)
        if (m.type === 'listening') {
          everListened = true
          config = keepBoundPort(config, m.url)
          const first = !registered
          registered = true
          entry.coreListening(m.corePid, m.url)
          if (first) o.onEvent(entry.name !== undefined ? { type: 'registered', name: entry.name } : { type: 'registered' })
        }
      })
      child.once('exit', (code, signal) => {
        clearTimeout(startTimer)
        stopWatching()
        // Its app processes end through their lifelines (spawn/child.ts); their sockets' directory goes now.
        rmSync(socketDir, { recursive: true, force: true })
        onCoreExit(child, code, signal)
      })
    }

    const letGoOfListener = (): void => {
      listener?.close()
      listener = undefined
    }

    const onCoreExit = (child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void => {
      killGroup(child.pid)
      if (stopping || code === 0 || !everListened) { finish(code ?? 1); return }
      const now = Date.now()
      restarts.push(now)
      while (restarts.length > 0 && now - restarts[0]! > RESTART_WINDOW_MS) restarts.shift()
      const how = signal !== null ? `signal ${signal}` : `code ${code ?? '?'}`
      if (restarts.length > MAX_RESTARTS_IN_WINDOW) {
        o.logger.crit(`Ferry core crashed with ${how} ${restarts.length} times within a minute; giving up`)
        finish(1)
        return
      }
      o.logger.error(`Ferry core (pid ${child.pid ?? '?'}) crashed with ${how}; restarting it`)
      setTimeout(start, 100 * restarts.length)
    }

    const stop = (sig: NodeJS.Signals): void => {
      if (stopping) return
      stopping = true
      o.logger.notice(`${sig} received: stopping Ferry`)
      letGoOfListener()
      const child = core
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) { finish(0); return }
      child.kill('SIGTERM')
      setTimeout(() => killGroup(child.pid), STOP_GRACE_MS).unref()
    }

    const finish = (code: number): void => {
      // Only a socket this instance bound (its first core handed it over); never one found in use at start.
      if (keptOne) removeSocketFile(o.config.options.socket ?? o.config.options.socketFile)
      letGoOfListener()
      entry.remove()
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      process.off('SIGHUP', onHup)
      resolve(stopping ? 0 : code)
    }
    const onInt = (): void => stop('SIGINT')
    const onTerm = (): void => stop('SIGTERM')
    const onHup = (): void => {
      if (o.stopOnHangup) stop('SIGHUP')
      else if (core !== undefined && core.exitCode === null && core.signalCode === null) core.kill('SIGHUP')
    }
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
    process.on('SIGHUP', onHup)
    start()
  })
}

/** Kills the core's whole process group (the core and any app process it left behind). */
function killGroup (pid: number | undefined): void {
  if (pid === undefined) return
  try { process.kill(-pid, 'SIGKILL') } catch { /* already gone */ }
}

/** A restarted core must come back on the same port, also when the first one was asked for port 0. */
function keepBoundPort (config: CoreConfig, url: string): CoreConfig {
  const m = /^http:\/\/.*:(\d+)$/.exec(url)
  if (m === null || config.options.port === Number(m[1])) return config
  return { ...config, options: { ...config.options, port: Number(m[1]) } }
}

/** A core's private directory for its apps' sockets: traversable but not listable, so apps running as other users
 *  reach their own subdirectory (see node-loader) and nobody lists the others. */
function makeSocketDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-'))
  chmodSync(dir, 0o711)
  return dir
}

/** The front's Unix socket: a core that took the kept socket cannot unlink it on close (it never bound the path). */
function removeSocketFile (path: string | undefined): void {
  if (path === undefined) return
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path)
  } catch { /* already gone */ }
}
