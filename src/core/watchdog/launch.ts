// `ferry start`'s core: checks what can be checked before anything is forked (app directory, startup file, log
// file, pid file), then runs the watchdog in this process (foreground) or in a detached one (--daemonize).
import { spawn } from 'node:child_process'
import { closeSync, realpathSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FerryError } from '../errors.js'
import { createLogger } from '../log/logger.js'
import { LogFile } from '../log/log-file.js'
import { openLogForAppend } from '../log/open-log.js'
import { runWatchdog } from './watchdog.js'
import { parseAdminAddress } from './admin-api.js'
import { defaultDaemonLogFile, defaultPidFile } from './paths.js'
import { assertNotRunning, removePidFile, writePidFile } from './pid-file.js'
import { isStartEvent, StartupTracker, type CoreConfig, type StartEvent } from './messages.js'
import type { AppDefinition } from '../config/apps.js'
import { detectDefinedApp } from './app-set.js'

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

/** Throws the FerryError a user would otherwise meet only in the log, while they are still at the terminal. */
export function preflight (config: CoreConfig, apps: readonly AppDefinition[]): CoreConfig {
  for (const app of apps) detectDefinedApp(app, dirname(app.root))
  if (config.options.adminAddress !== undefined) parseAdminAddress(config.options.adminAddress)
  return { ...config, appDir: config.appDir === undefined ? undefined : realpathSync(config.appDir) }
}

export function openLogFile (path: string): number {
  // The directory is not created: a typo in the path should fail here, not quietly make directories as root.
  return openLogForAppend(path)
}

export function launchForeground (config: CoreConfig, onEvent: (e: StartEvent) => void): Launched {
  const o = config.options
  const pidFile = o.pidFile
  if (pidFile !== undefined) assertNotRunning(pidFile)
  const fd = o.logFile !== undefined ? openLogFile(o.logFile) : undefined
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
  const fd = openLogFile(logFile)
  const daemonConfig: CoreConfig = { ...config, options: { ...o, pidFile, logFile } }
  const child = spawn(process.execPath, [DAEMON_MAIN], {
    detached: true,
    stdio: ['ignore', fd, fd, 'ipc'],
    env: { ...process.env, FERRY_DAEMON_CONFIG: JSON.stringify(daemonConfig) }
  })
  closeSync(fd)
  return new Promise((resolve, reject) => {
    const tracker = new StartupTracker(o.minInstances)
    let name: string | undefined
    const release = (): void => {
      child.removeAllListeners()
      if (child.connected) child.disconnect()
      child.unref()
      resolve({ watchdogPid: child.pid ?? 0, pidFile, logFile, name, done: Promise.resolve(0) })
    }
    child.on('message', m => {
      if (!isStartEvent(m)) return
      onEvent(m)
      if (m.type === 'error') { child.removeAllListeners(); reject(new FerryError(m.code as never, m.message)) }
      if (m.type === 'registered') name = m.name
      if (tracker.complete(m)) release()
    })
    child.once('exit', code => reject(new FerryError('E_CORE_START_FAILED', `the daemon exited with code ${code ?? '?'} while starting; see ${logFile}`)))
  })
}
