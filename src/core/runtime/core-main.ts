// The core process ("Ferry core"): front server, router, pool and the apps it serves. Started by the watchdog with
// its configuration in FERRY_CORE_CONFIG; reports progress over IPC; SIGTERM/SIGINT stop it gracefully.
// runCore() is the composition root without the process around it, so that integration tests can run a real core
// (real loaders, apps and sockets) in their own process rather than through the CLI and a watchdog.
import './tick-shape.js'
import { realpathSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { trustedPeers } from '../config/trust-proxy.js'
import { createLogger, type Logger, type LogSink } from '../log/logger.js'
import { LogFile, stderrSink } from '../log/log-file.js'
import { FerryError, isFerryError } from '../errors.js'
import { Pool } from '../pool/pool.js'
import { createLoaders } from '../spawn/detect.js'
import { createFrontServer, type FrontServer } from '../server/front.js'
import { Router } from '../server/router.js'
import { MemoryStore } from '../cache/memory-store.js'
import { loadServeConfig, type ServeInputs } from '../config/apps.js'
import { OPTIONS, camelCase, type FerryOptions, type OptionSpec } from '../config/options.js'
import { AppSet, type ReloadSummary } from './app-set.js'
import { noteSchedulingFallbacks } from '../spawn/scheduling.js'
import { subscribeLogger } from './log-events.js'
import { handOverListener, listenFront, listenOnKeptSocket } from './listen.js'
import { startBeating } from '../watchdog/heartbeat.js'
import type { CoreConfig, StartEvent } from '../watchdog/messages.js'
import { startAdminApi } from './admin-api.js'
import { createCoreMetrics } from '../metrics/core-metrics.js'
import { parseMetricsAddress } from '../config/listen-address.js'
import { createBypassLoader } from '../spawn/bypass-loader.js'
import { bypassedCacheFigures, inProcessOptions } from '../bypass/serving.js'
import type { UpstreamTarget } from '../spawn/loader.js'
import { openSharedSocket } from './shared-listener.js'
import { StartDeadline } from './start-deadline.js'

const DRAIN_GRACE_MS = 30_000
const APP_STOP_GRACE_MS = 5_000

/** What the core needs from the process it runs in. */
export interface CoreHost {
  /** Start-up progress, for the watchdog (over IPC) or a test. */
  readonly report: (event: StartEvent) => void
  /** Where the log goes without --log-file. */
  readonly sink: LogSink
  /** The core is done: stopped (0) or failed to start (its exit code). */
  readonly exit: (code: number) => void
  /** A core in a process of its own takes its signals; one inside a test's process leaves them alone. */
  readonly ownsSignals: boolean
}

/** The core in a process of its own, under the watchdog. */
const processHost: CoreHost = {
  report: event => { if (process.connected) process.send?.(event) },
  // Never process.stderr: its writes block the event loop while the terminal or pipe behind it is full.
  sink: stderrSink('core '),
  exit: code => {
    if (code === 0) process.exit(0)
    process.exitCode = code
    setTimeout(() => process.exit(), 50).unref()
  },
  ownsSignals: true
}

async function main (): Promise<void> {
  process.title = 'Ferry core'
  const config = JSON.parse(process.env.FERRY_CORE_CONFIG ?? '{}') as CoreConfig
  delete process.env.FERRY_CORE_CONFIG
  startBeating(config.options.coreHeartbeatTimeout * 1000)
  await runCore(config, processHost)
}

/** Starts the core; resolves its stop function once it listens (undefined when it failed: host.exit was called). */
export async function runCore (config: CoreConfig, host: CoreHost): Promise<((why: string) => void) | undefined> {
  const report = host.report
  const o = config.options
  // A log path that cannot be opened now (a link planted there after logrotate moved the file) must not keep the core
  // from starting, or the instance is down until someone looks: it logs to the watchdog's log meanwhile, saying so.
  let logFile: LogFile | undefined
  let logProblem: string | undefined
  try {
    logFile = o.logFile === undefined ? undefined : new LogFile(o.logFile, { prefix: 'core ' })
  } catch (err) {
    logProblem = `cannot open the log file: ${(err as Error).message}; logging to the watchdog's log instead (fix the path, then ferry reopen-logs)`
  }
  const logger = createLogger(logFile ?? host.sink, o.logLevel, 'core ')
  if (logProblem !== undefined) logger.error(logProblem)
  // The watchdog makes this directory (makeSocketDir) and removes it after the core exits, however it exits.
  const socketDir = config.socketDir
  if (socketDir === undefined) throw new Error('the core runs only under its watchdog, which gives it its socket directory')
  const cleanupDir = (): void => rmSync(socketDir, { recursive: true, force: true })
  // Every wait below until `listening` is bounded by one budget (start-deadline.ts): start-up fails, never hangs.
  const deadline = new StartDeadline(o.startTimeout * 1000)
  try {
    const inputs: ServeInputs = { flags: config.flags, env: process.env, appDir: config.appDir, configFile: config.configFile }
    const serve = loadServeConfig(inputs)
    const pool = new Pool({ maxPoolSize: o.maxPoolSize, loaders: createLoaders(), stopGraceMs: APP_STOP_GRACE_MS, deferStart: true })
    subscribeLogger(pool.events, logger)
    pool.events.on('spawning', g => report({ type: 'spawning', appRoot: g.name }))
    pool.events.on('spawned', (_g, p) => report({ type: 'spawned', pid: p.pid }))
    pool.events.on('spawnFailed', (_g, err) => report({ type: 'spawn-failed', message: err.message }))
    const router = new Router()
    const cacheStore = o.disableTurbocaching ? undefined : new MemoryStore({ maxBytes: o.turbocacheSize })
    // --bypass: the app's processes accept on the instance's socket themselves (bypass-rules.ts: it is the only app).
    const bypassApp = serve.apps.find(a => a.options.bypass)
    const bypassed = bypassApp !== undefined
    const shared: { handle?: object, target: UpstreamTarget } = { target: { kind: 'tcp', host: o.address, port: o.port } }
    // Its processes serve static files and the turbocache themselves, with the options a proxied app would have.
    const bypassLoader = bypassed
      ? createBypassLoader({ handle: () => shared.handle, target: () => shared.target }, app => inProcessOptions(app.root, o, bypassApp.options))
      : undefined
    // The figures views and metrics show: the core's store, or what the bypassed processes' own caches report.
    const cacheFigures = bypassed && cacheStore !== undefined ? bypassedCacheFigures(pool, o.turbocacheSize) : cacheStore
    const apps = new AppSet({ pool, router, logger, socketDir, cacheStore, inputs, adHocIdleMs: o.poolIdleTime * 1000, bypassLoader })
    let stopping = false
    const metrics = o.metricsAddress === undefined
      ? undefined
      : createCoreMetrics({ where: parseMetricsAddress(o.metricsAddress), pool, cacheStore: cacheFigures, stopping: () => stopping })
    apps.apply(serve.apps)
    const onSocket = o.socket !== undefined || o.socketFile !== undefined
    const front = createFrontServer({
      router,
      highWatermark: o.responseBufferHighWatermark,
      responseBufferBudget: o.responseBufferBudget,
      requestBodyTimeoutMs: o.requestBodyTimeout * 1000,
      requestSpoolDir: socketDir,
      logger,
      trustFrontHeaders: o.trustFrontHeaders && onSocket,
      trustsPeer: trustedPeers(o.trustProxy),
      adHocApp: (root, env, type) => apps.adHoc(root, env, type),
      requestTally: metrics?.tally
    })
    if (o.trustFrontHeaders && !onSocket) logger.warn('--trust-front-headers is honoured only on a Unix socket; ignored on TCP')
    // Compared with what the same inputs gave at start, not with `o`: the daemon launcher filled in its default
    // --pid-file and --log-file there, which a re-read file never has, and no option changed by that.
    const reload = (why: string): ReloadSummary => reloadApps(why, inputs, apps, logger, serve.instance.options, bypassed)
    const stop = handleShutdown(front, pool, apps, logger, cleanupDir, reload, () => { stopping = true }, host)
    if (config.instanceDir !== undefined) {
      const admin = await deadline.step('starting the admin API', startAdminApi(config, {
        pool, stats: front.stats, inflight: front.inflight, cacheStore: cacheFigures,
        shutdown: () => stop('shutdown requested through the admin API'),
        reopenLogs: () => reopenLogs(logFile, logger),
        reload: () => reload('reload requested through the admin API'),
        baseUriOf: root => router.byRoot(root)?.baseUri,
        purgeCache: target => apps.purgeCache(target)
      }, logger))
      front.server.once('close', () => { for (const a of admin) void a.close() })
    }
    if (metrics !== undefined) {
      const m = await deadline.step('starting the metrics listener', metrics.listen(logger))
      front.server.once('close', () => { void m.close() })
      logger.notice(`metrics on ${m.url}/metrics, health checks on ${m.url}/healthz and ${m.url}/readyz`)
    }
    let url: string
    if (bypassed) {
      // The front server never listens: the core is not on the request path of a bypassed app.
      const socket = await openSharedSocket(o, config.keptListener === true, deadline)
      if (socket.turnedAway > 0) {
        logger.warn(`${socket.turnedAway} client${socket.turnedAway === 1 ? '' : 's'} connected while the listening socket was being handed ` +
          'to the watchdog and got a reset (the core never serves them in bypass mode); later clients wait for the app\'s processes')
      }
      shared.handle = socket.handle
      shared.target = socket.target
      url = socket.url
    } else {
      url = config.keptListener === true
        ? await listenOnKeptSocket(front.server, o.socket ?? o.socketFile, deadline)
        : await deadline.step('binding the listening socket', listenFront(front.server, { port: o.port, address: o.address, socket: o.socket ?? o.socketFile, socketMode: o.socketMode, socketGroup: o.socketGroup }))
      if (config.keptListener !== true) handOverListener(front.server)
    }
    // A spawn probes chrt(1) as its app's user; the log says where SCHED_BATCH cannot be had.
    noteSchedulingFallbacks(message => logger.notice(message))
    pool.startGroups()
    const what = serve.apps.length === 1 ? serve.apps[0]!.root : `${serve.apps.length} apps`
    logger.notice(`Ferry core ${bypassed ? 'bound (bypass: the app\'s processes accept)' : 'listening'} on ${url}, serving ${serve.apps.length === 1 ? `${what} (${pool.groups.get(what)?.app.type ?? '?'}, ${serve.apps[0]!.options.environment})` : what}`)
    const minInstances = serve.apps.reduce((n, a) => n + a.options.minInstances, 0)
    report({ type: 'listening', url, corePid: process.pid, appRoot: what, minInstances })
    return stop
  } catch (err) {
    cleanupDir()
    const e = isFerryError(err) ? err : new FerryError('E_CORE_START_FAILED', err instanceof Error ? err.message : String(err), { cause: err })
    logger.error(e.message)
    logger.errorDetail(err)
    report({ type: 'error', code: e.code, message: e.message })
    host.exit(e.exitCode)
    return undefined
  }
}

/** Re-reads the configuration and applies it; a configuration that cannot be served is refused whole. */
function reloadApps (why: string, inputs: ServeInputs, apps: AppSet, logger: Logger, running: FerryOptions,
  bypassed: boolean): ReloadSummary & { needs_restart: string[] } {
  logger.notice(`${why}: reloading the configuration`)
  try {
    const loaded = loadServeConfig(inputs)
    // Who accepts on the listening socket is decided when the core starts.
    if (loaded.apps.some(a => a.options.bypass) !== bypassed) throw new FerryError('E_OPTION_INVALID', 'turning --bypass on or off takes a restart of the instance (ferry stop, then ferry start)')
    const summary = apps.apply(loaded.apps)
    logger.notice(`configuration reloaded: ${summary.added.length} added, ${summary.removed.length} removed, ` +
      `${summary.changed.length} changed, ${summary.unchanged.length} unchanged`)
    // Instance-wide options (ports, pool size, log file…) belong to the running processes: say so, do not pretend.
    const needsRestart = instanceOptionsChanged(running, loaded.instance.options)
    if (needsRestart.length > 0) logger.warn(`changed instance options take effect only after a restart: ${needsRestart.join(', ')}`)
    return { ...summary, needs_restart: needsRestart }
  } catch (err) {
    logger.error(`configuration not reloaded, the running one stays: ${err instanceof Error ? err.message : String(err)}`)
    throw err
  }
}

/** Names of the instance-wide (not per-app) options whose value differs. */
function instanceOptionsChanged (running: FerryOptions, loaded: FerryOptions): string[] {
  const out: string[] = []
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    if (spec.perApp === true) continue
    const key = camelCase(spec.name) as keyof FerryOptions
    if (JSON.stringify(running[key]) !== JSON.stringify(loaded[key])) out.push(`--${spec.name}`)
  }
  return out
}

/** Installs the signal handlers; returns the stop function (also used by the admin API's shutdown). */
function handleShutdown (front: FrontServer, pool: Pool, apps: AppSet, logger: Logger, cleanup: () => void,
  reload: (why: string) => unknown, onStopping: () => void, host: CoreHost): (why: string) => void {
  let signals = 0
  const stop = (why: string): void => {
    if (++signals > 2) { logger.warn('third signal: exiting at once'); process.exit(2) }
    if (signals > 1) return
    logger.notice(`${why}: shutting down gracefully (send the signal twice more to force it)`)
    onStopping()
    // The watchdog lets go of its copy of the listening socket, so new clients are refused, not queued for nobody.
    if (process.connected) process.send?.({ type: 'stopping' }, undefined, {}, () => {})
    void (async () => {
      await front.drain(DRAIN_GRACE_MS)
      apps.close()
      await pool.stop(APP_STOP_GRACE_MS)
      cleanup()
      logger.notice('Ferry core stopped')
      host.exit(0)
    })()
  }
  if (!host.ownsSignals) return stop
  process.on('SIGTERM', () => stop('SIGTERM received'))
  process.on('SIGINT', () => stop('SIGINT received'))
  process.on('SIGHUP', () => { try { reload('SIGHUP received') } catch {} })
  // The watchdog is gone: nobody supervises us any more, so stop rather than linger as an orphan.
  process.on('disconnect', () => stop('watchdog went away'))
  return stop
}

/** Reopens the core's log file and asks the watchdog to reopen its own; false when logging goes to a terminal. */
function reopenLogs (logFile: LogFile | undefined, logger: Logger): boolean {
  if (logFile === undefined) return false
  logFile.reopen()
  // The new file's first line says why it began, and shows at once that the instance writes to it.
  logger.notice(`reopened the log file ${logFile.path} (ferry reopen-logs)`)
  if (process.connected) process.send?.({ type: 'reopen-logs' })
  return true
}

// Run only as the process the watchdog forks: a test imports this module to call runCore() itself.
if (isEntryPoint()) void main()

function isEntryPoint (): boolean {
  try { return realpathSync(process.argv[1] ?? '') === fileURLToPath(import.meta.url) } catch { return false }
}
