// `ferry start`'s core: checks what can be checked before anything is forked (log file, pid file; the apps and
// addresses were checked by runtime/preflight.ts), then runs the watchdog in this process (foreground) or in a
// detached one (--daemonize).
import { spawn } from 'node:child_process'
import { closeSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { FerryError } from '../errors.js'
import { createLogger } from '../log/logger.js'
import { LogFile } from '../log/log-file.js'
import { openLogForAppend } from '../log/open-log.js'
import { runWatchdog } from './watchdog.js'
import { defaultDaemonLogFile, defaultPidFile } from './paths.js'
import { assertNotRunning, removePidFile, writePidFile } from './pid-file.js'
import { isStartEvent, type CoreConfig, type StartEvent } from './messages.js'
import { isStartedMessage } from './hand-off.js'

const DAEMON_MAIN = fileURLToPath(new URL('./daemon-main.js', import.meta.url))

export interface Launched {
  readonly watchdogPid: number
  readonly pidFile: string | undefined
  readonly logFile: string | undefined
  /** Daemons: the name `ferry stop NAME` accepts. */
  readonly name?: string
  /** Foreground: resolves the exit code when the instance stops. Daemon: resolves 0 once it runs on its own. */
  readonly done: Promise<number>
}

export function launchForeground (config: CoreConfig, onEvent: (e: StartEvent) => void): Launched {
  const o = config.options
  const pidFile = o.pidFile
  if (pidFile !== undefined) assertNotRunning(pidFile)
  const fd = o.logFile !== undefined ? openLogForAppend(o.logFile) : undefined
  if (pidFile !== undefined) writePidFile(pidFile)
  const logFile = o.logFile === undefined ? undefined : new LogFile(o.logFile)
  const logger = createLogger(logFile ?? process.stderr, o.logLevel, 'watchdog ')
  const done = runWatchdog({ config, logger, output: fd ?? 'inherit', onEvent, stopOnHangup: process.stdin.isTTY === true, reopenLogs: () => logFile?.reopen() }).finally(() => {
    if (pidFile !== undefined) removePidFile(pidFile)
    if (fd !== undefined) closeSync(fd)
  })
  return { watchdogPid: process.pid, pidFile, logFile: o.logFile, done }
}

export function launchDaemon (config: CoreConfig, onEvent: (e: StartEvent) => void): Promise<Launched> {
  const o = config.options
  const paths = { ...o, socket: o.socket ?? o.socketFile }
  const pidFile = defaultPidFile(paths)
  const logFile = defaultDaemonLogFile(paths)
  assertNotRunning(pidFile)
  const fd = openLogForAppend(logFile)
  const daemonConfig: CoreConfig = { ...config, options: { ...o, pidFile, logFile } }
  const child = spawn(process.execPath, [DAEMON_MAIN], {
    detached: true,
    stdio: ['ignore', fd, fd, 'ipc'],
    env: { ...process.env, FERRY_DAEMON_CONFIG: JSON.stringify(daemonConfig) }
  })
  closeSync(fd)
  return new Promise((resolve, reject) => {
    let name: string | undefined
    let started = false
    let settled = false
    // The daemon ends the hand-off (hand-off.ts): this side never disconnects, it only stops holding the CLI open.
    // Disconnecting from inside a 'message' handler while more messages are queued crashes node (kPendingMessages).
    const settle = (outcome: () => void): void => {
      if (settled) return
      settled = true
      child.removeAllListeners('message')
      child.removeAllListeners('exit')
      child.removeAllListeners('disconnect')
      child.channel?.unref()
      child.unref()
      outcome()
    }
    child.on('error', () => { /* a channel error after settling: the daemon lives on or its exit said why */ })
    child.on('message', m => {
      if (isStartedMessage(m)) { started = true; return }
      if (!isStartEvent(m)) return
      onEvent(m)
      if (m.type === 'error') settle(() => reject(new FerryError(m.code as never, m.message)))
      if (m.type === 'registered') name = m.name
    })
    child.once('disconnect', () => {
      if (started) settle(() => resolve({ watchdogPid: child.pid ?? 0, pidFile, logFile, name, done: Promise.resolve(0) }))
    })
    child.once('exit', code => {
      const failed = (): void => settle(() => reject(new FerryError('E_CORE_START_FAILED', `the daemon exited with code ${code ?? '?'} while starting; see ${logFile}`)))
      // The exit can be seen before the daemon's last messages (its error) are read: read them first.
      if (!child.connected) { failed(); return }
      child.once('disconnect', failed)
      setTimeout(failed, 1000).unref()
    })
  })
}
