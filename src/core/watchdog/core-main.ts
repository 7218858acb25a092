// The core process ("Ferry core"): front server, pool and static files for one app. Started by the watchdog with
// its configuration in FERRY_CORE_CONFIG; reports progress over IPC; SIGTERM/SIGINT stop it gracefully.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, type Logger } from '../log/logger.js'
import { LogFile } from '../log/log-file.js'
import { envvarPairs } from '../config/resolve.js'
import { FerryError, isFerryError } from '../errors.js'
import { Pool } from '../pool/pool.js'
import { detectApp, createLoaders } from '../spawn/detect.js'
import { createFrontServer, type FrontServer } from '../server/front.js'
import { createStaticFiles } from '../server/static.js'
import { Turbocache } from '../server/turbocache.js'
import { subscribeLogger } from './log-events.js'
import { listenFront } from './listen.js'
import type { CoreConfig, StartEvent } from './messages.js'
import { startAdminApi } from './admin-api.js'
import { RestartFiles } from '../pool/restart-files.js'
import { privateMemoryKb } from '../inspect/proc.js'

const DRAIN_GRACE_MS = 30_000
const APP_STOP_GRACE_MS = 5_000
/** How often app processes' private memory is compared with --memory-limit. */
const MEMORY_CHECK_MS = 2_000

function report (event: StartEvent): void {
  if (process.connected) process.send?.(event)
}

async function main (): Promise<void> {
  process.title = 'Ferry core'
  const config = JSON.parse(process.env.FERRY_CORE_CONFIG ?? '{}') as CoreConfig
  delete process.env.FERRY_CORE_CONFIG
  const o = config.options
  const logFile = o.logFile === undefined ? undefined : new LogFile(o.logFile)
  const logger = createLogger(logFile ?? process.stderr, o.logLevel, 'core ')
  const socketDir = mkdtempSync(join(tmpdir(), 'ferry-'))
  const cleanupDir = (): void => rmSync(socketDir, { recursive: true, force: true })
  try {
    const app = detectApp(config.appDir, {
      appType: o.appType,
      startupFile: o.startupFile,
      appStartCommand: o.appStartCommand,
      environment: o.environment,
      envvars: envvarPairs(o.envvar),
      startTimeoutSeconds: o.startTimeout,
      socketDir
    })
    const pool = new Pool({ maxPoolSize: o.maxPoolSize, loaders: createLoaders(), stopGraceMs: APP_STOP_GRACE_MS })
    subscribeLogger(pool.events, logger)
    pool.events.on('spawning', g => report({ type: 'spawning', appRoot: g.name }))
    pool.events.on('spawned', (_g, p) => report({ type: 'spawned', pid: p.pid }))
    pool.events.on('spawnFailed', (_g, err) => report({ type: 'spawn-failed', message: err.message }))
    const staticFiles = createStaticFiles(join(app.root, 'public'), { onError: err => logger.warn(`static files: ${err.message}`) })
    const group = pool.addGroup(app, {
      minInstances: o.minInstances,
      maxInstances: o.maxInstances,
      maxQueue: o.maxRequestQueueSize,
      concurrency: o.concurrency,
      idleTimeMs: o.poolIdleTime * 1000,
      rollingRestarts: o.rollingRestarts,
      maxRequests: o.maxRequests,
      memoryLimitKb: o.memoryLimit * 1024,
      measureMemoryKb: privateMemoryKb,
      memoryCheckMs: MEMORY_CHECK_MS,
      oobEvery: o.oobWorkEvery,
      maxOob: o.maxOobWorkInstances,
      saturationElu: o.saturationElu / 100
    })
    const restartFiles = o.statThrottleRate > 0 ? new RestartFiles(app.root, o.statThrottleRate * 1000, group) : undefined
    const turbocache = o.disableTurbocaching ? undefined : new Turbocache({ maxBytes: o.turbocacheSize, varyByCookie: o.varyTurbocacheByCookie })
    const front = createFrontServer({
      group,
      staticFiles,
      friendlyErrorPages: o.friendlyErrorPages ?? o.environment === 'development',
      highWatermark: o.responseBufferHighWatermark,
      logger,
      turbocache,
      stickyCookie: o.stickySessions ? o.stickySessionsCookieName : undefined,
      maxRequestTimeMs: o.maxRequestTime * 1000
    })
    front.server.once('close', () => restartFiles?.close())
    const stop = handleShutdown(front, pool, staticFiles, logger, cleanupDir)
    if (config.instanceDir !== undefined) {
      const admin = await startAdminApi(config, { pool, stats: front.stats, inflight: front.inflight, turbocache, shutdown: () => stop('shutdown requested through the admin API'), reopenLogs: () => reopenLogs(logFile) }, logger)
      front.server.once('close', () => { for (const a of admin) void a.close() })
    }
    const url = await listenFront(front.server, o)
    logger.notice(`Ferry core listening on ${url}, serving ${app.root} (${app.type}, ${o.environment})`)
    report({ type: 'listening', url, corePid: process.pid, appRoot: app.root, minInstances: o.minInstances })
  } catch (err) {
    cleanupDir()
    const e = isFerryError(err) ? err : new FerryError('E_CORE_START_FAILED', err instanceof Error ? err.message : String(err), { cause: err })
    logger.error(e.message)
    logger.errorDetail(err)
    report({ type: 'error', code: e.code, message: e.message })
    process.exitCode = e.exitCode
    setTimeout(() => process.exit(), 50).unref()
  }
}

/** Installs the signal handlers; returns the stop function (also used by the admin API's shutdown). */
function handleShutdown (front: FrontServer, pool: Pool, staticFiles: { close: () => void }, logger: Logger, cleanup: () => void): (why: string) => void {
  let signals = 0
  const stop = (why: string): void => {
    if (++signals > 2) { logger.warn('third signal: exiting at once'); process.exit(2) }
    if (signals > 1) return
    logger.notice(`${why}: shutting down gracefully (send the signal twice more to force it)`)
    void (async () => {
      await front.drain(DRAIN_GRACE_MS)
      staticFiles.close()
      await pool.stop(APP_STOP_GRACE_MS)
      cleanup()
      logger.notice('Ferry core stopped')
      process.exit(0)
    })()
  }
  process.on('SIGTERM', () => stop('SIGTERM received'))
  process.on('SIGINT', () => stop('SIGINT received'))
  // The watchdog is gone: nobody supervises us any more, so stop rather than linger as an orphan.
  process.on('disconnect', () => stop('watchdog went away'))
  return stop
}

/** Reopens the core's log file and asks the watchdog to reopen its own; false when logging goes to a terminal. */
function reopenLogs (logFile: LogFile | undefined): boolean {
  if (logFile === undefined) return false
  logFile.reopen()
  if (process.connected) process.send?.({ type: 'reopen-logs' })
  return true
}

void main()
