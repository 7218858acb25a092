// The apps one core serves, kept in step with the configuration: each app gets a group in the pool, its static
// files, its turbocache view and its restart.txt watcher, and a route in the router. apply() does the first load
// and every reload (added apps start at once, removed ones drain, changed ones restart rolling, unchanged ones are
// left alone); adHoc() adds an app the front server names by header, and idle ones are removed again.
import { isAbsolute, join } from 'node:path'
import type { Logger } from '../log/logger.js'
import { envvarPairs } from '../config/resolve.js'
import { defineAdHocApp, type AppDefinition, type ServeInputs } from '../config/apps.js'
import type { FerryOptions } from '../config/options.js'
import { FerryError } from '../errors.js'
import type { Pool, GroupSettings } from '../pool/pool.js'
import { RestartFiles, type RestartTarget } from '../pool/restart-files.js'
import { privateMemoryKb } from '../inspect/proc.js'
import type { MemoryStore } from '../cache/memory-store.js'
import { detectApp } from '../spawn/detect.js'
import type { AppSpec, Loader } from '../spawn/loader.js'
import { createStaticFiles, type StaticFiles } from '../server/static.js'
import { Turbocache } from '../server/turbocache.js'
import { purgeKeyParts, type PurgeTarget } from '../admin/purge-target.js'
import type { AppRoute, Router } from '../server/router.js'

/** How long a refused X-Ferry-App-Root is answered from memory (a fixed deploy is picked up after this). */
const REFUSAL_TTL_MS = 5_000
/** Most names remembered in each of the alias and refusal maps; the oldest goes first. */
const MAX_REMEMBERED = 1024

function remember<V> (map: Map<string, V>, key: string, value: V): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as string)
}

/** How often app processes' private memory is compared with --memory-limit. */
const MEMORY_CHECK_MS = 2_000

export interface ReloadSummary {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly changed: readonly string[]
  readonly unchanged: readonly string[]
}

interface Served {
  readonly def: AppDefinition
  /** What decides whether a reload changed the app: its resolved options. */
  readonly fingerprint: string
  readonly route: AppRoute
  readonly staticFiles: StaticFiles
  readonly restartFiles: RestartFiles | undefined
}

export interface AppSetDeps {
  readonly pool: Pool
  readonly router: Router
  readonly logger: Logger
  readonly socketDir: string
  /** Shared by every app's turbocache; absent when turbocaching is off for the instance. */
  readonly cacheStore: MemoryStore | undefined
  /** How the configuration was given, for apps named by the front server. */
  readonly inputs: ServeInputs
  /** Idle time after which an unused app named by the front server is removed; 0 = never. */
  readonly adHocIdleMs: number
  /** Starts the processes of --bypass apps (they share the instance's listening socket); absent: none is bypassed. */
  readonly bypassLoader?: Loader | undefined
}

export class AppSet {
  readonly #d: AppSetDeps
  readonly #served = new Map<string, Served>()
  readonly #idleTimer: NodeJS.Timeout | undefined
  /** Names the front server used for an app root (symlinks, trailing slashes) → its real root. Bounded. */
  readonly #aliases = new Map<string, string>()
  /** Roots the front server named that could not be served, so a bad header is not a stat() per request. Bounded. */
  readonly #refused = new Map<string, { err: FerryError, until: number }>()

  constructor (deps: AppSetDeps) {
    this.#d = deps
    // A restart is usually a deploy: responses the old version gave must not be served for the rest of their max-age.
    deps.pool.events.on('restart', group => {
      for (const s of this.#served.values()) {
        if (s.route.group !== group || s.route.turbocache === undefined) continue
        const n = s.route.turbocache.purge()
        if (n > 0) deps.logger.info(`dropped ${n} turbocache entr${n === 1 ? 'y' : 'ies'} of ${group.name} on restart`)
      }
    })
    this.#idleTimer = deps.adHocIdleMs > 0
      ? setInterval(() => this.#removeIdleAdHoc(), Math.max(500, Math.min(deps.adHocIdleMs / 2, 10_000))).unref()
      : undefined
  }

  get size (): number { return this.#served.size }

  /** Makes the served apps match `defs`. Throws (changing nothing) when an app cannot be served as configured. */
  apply (defs: readonly AppDefinition[]): ReloadSummary {
    // Detect every app first, so a bad entry refuses the whole reload before anything changes.
    const specs = new Map(defs.map(def => [def.root, this.#spec(def)]))
    const summary = { added: [] as string[], removed: [] as string[], changed: [] as string[], unchanged: [] as string[] }
    const wanted = new Set(defs.map(d => d.root))
    for (const [root, served] of this.#served) {
      if (wanted.has(root) || served.route.adHoc) continue
      this.#remove(root, 'is no longer configured: its processes finish their requests and stop')
      summary.removed.push(root)
    }
    for (const def of defs) {
      const spec = specs.get(def.root)!
      const old = this.#served.get(def.root)
      const fingerprint = JSON.stringify({ spec, settings: groupSettingsFingerprint(def.options), route: [def.serverNames, def.baseUri] })
      if (old === undefined) {
        this.#add(def, spec, fingerprint, false)
        summary.added.push(def.root)
      } else if (old.fingerprint === fingerprint && !old.route.adHoc) {
        summary.unchanged.push(def.root)
      } else {
        this.#change(old, def, spec, fingerprint)
        summary.changed.push(def.root)
      }
    }
    this.#d.router.set([...this.#served.values()].map(s => s.route))
    return summary
  }

  /** The route for an app root the front server named; spawned on its first request. */
  adHoc (root: string, environment: string | undefined, appType: string | undefined): AppRoute {
    // Known roots (and the other names they were reached by) and recent refusals are answered from memory: the
    // file system is looked at once per new name, not once per request.
    const known = this.#served.get(this.#aliases.get(root) ?? root)
    if (known !== undefined) return known.route
    // Refused for what the headers said together: a bad app type must not refuse the root with a good one.
    const asked = `${root}\n${environment ?? ''}\n${appType ?? ''}`
    const refused = this.#refused.get(asked)
    if (refused !== undefined && refused.until > Date.now()) throw refused.err
    try {
      return this.#addAdHoc(root, environment, appType)
    } catch (err) {
      if (err instanceof FerryError) remember(this.#refused, asked, { err, until: Date.now() + REFUSAL_TTL_MS })
      throw err
    }
  }

  #addAdHoc (root: string, environment: string | undefined, appType: string | undefined): AppRoute {
    if (!isAbsolute(root)) throw new FerryError('E_APP_NOT_FOUND', `X-Ferry-App-Root must be an absolute path, got ${JSON.stringify(root.slice(0, 200))}`)
    const overrides: Record<string, unknown> = { 'min-instances': 0 }
    if (environment !== undefined) overrides.environment = environment
    if (appType !== undefined) overrides['app-type'] = appType
    const def = defineAdHocApp(root, this.#d.inputs, overrides)
    if (def.root !== root) remember(this.#aliases, root, def.root)
    const existing = this.#served.get(def.root) // the header named a symlink to a known app
    if (existing !== undefined) return existing.route
    const served = this.#add(def, this.#spec(def), '', true)
    this.#d.router.add(served.route)
    this.#d.logger.notice(`serving ${def.root}, named by the front server (${def.options.environment})`)
    return served.route
  }

  /**
   * An operator's purge (POST /cache/purge.json): one URL in every app that caches it, one app's entries (by group
   * name, as `ferry restart-app` names apps; E_APP_NOT_FOUND otherwise), or the whole store. Returns how many
   * entries were dropped; a bypassed app's processes (each with its own cache) are asked over their IPC channel.
   */
  async purgeCache (target: PurgeTarget): Promise<number> {
    const store = this.#d.cacheStore
    let n = 0
    let what: string
    if ('all' in target) {
      what = 'every app'
      n = store?.size ?? 0
      store?.clear()
    } else if ('app' in target) {
      const served = [...this.#served.values()].find(s => s.route.group.name === target.app)
      if (served === undefined) throw new FerryError('E_APP_NOT_FOUND', `this instance does not serve ${target.app} (see \`ferry status\`)`)
      what = target.app
      n = served.route.turbocache?.purge() ?? 0
    } else {
      const parts = purgeKeyParts(target.url)
      what = target.url
      for (const s of this.#served.values()) n += s.route.turbocache?.purgeUrl(parts) ?? 0
    }
    const bypassed = [...this.#served.values()].filter(s => !('app' in target) || s.route.group.name === target.app)
      .flatMap(s => s.route.group.processes.filter(p => p.acceptsItself && p.live))
    for (const got of await Promise.all(bypassed.map(p => p.purgeCache(target)))) n += got
    this.#d.logger.notice(`purged ${n} turbocache entr${n === 1 ? 'y' : 'ies'} of ${what} (admin API)`)
    return n
  }

  close (): void {
    clearInterval(this.#idleTimer)
    for (const s of this.#served.values()) { s.staticFiles.close(); s.restartFiles?.close() }
  }

  #spec (def: AppDefinition): AppSpec { return detectDefinedApp(def, this.#d.socketDir) }

  #settings (o: FerryOptions): GroupSettings {
    const settings = groupSettings(o)
    if (!o.bypass) return settings
    if (this.#d.bypassLoader === undefined) throw new FerryError('E_CONFIG_INVALID', '--bypass needs a restart of the instance to take effect')
    return { ...settings, loader: this.#d.bypassLoader }
  }

  #add (def: AppDefinition, spec: AppSpec, fingerprint: string, adHoc: boolean): Served {
    const group = this.#d.pool.addGroup(spec, this.#settings(def.options))
    const logger = this.#d.logger
    const staticFiles = createStaticFiles(join(def.root, 'public'), { onError: err => logger.warn(`static files of ${def.root}: ${err.message}`) })
    const restartFiles = watchRestartFiles(def, group, this.#d.logger)
    const served: Served = { def, fingerprint, route: this.#route(def, group, staticFiles, adHoc), staticFiles, restartFiles }
    this.#served.set(def.root, served)
    return served
  }

  #change (old: Served, def: AppDefinition, spec: AppSpec, fingerprint: string): void {
    const group = old.route.group
    const oldSpec = JSON.stringify({ spec: group.app, settings: groupSettingsFingerprint(old.def.options) })
    const newSpec = JSON.stringify({ spec, settings: groupSettingsFingerprint(def.options) })
    // Only routing (server names, base URI) changed: the processes can stay.
    if (oldSpec !== newSpec) {
      group.reconfigure(this.#d.pool.groupOptions(spec, this.#settings(def.options)))
      this.#d.logger.notice(`configuration of ${def.root} changed: restarting it (rolling)`)
    }
    old.restartFiles?.close()
    const restartFiles = watchRestartFiles(def, group, this.#d.logger)
    this.#served.set(def.root, { def, fingerprint, route: this.#route(def, group, old.staticFiles, false), staticFiles: old.staticFiles, restartFiles })
  }

  /** Stops serving an app: its watchers close, its processes finish their requests and stop. The caller reroutes. */
  #remove (root: string, why: string): void {
    const served = this.#served.get(root)
    if (served === undefined) return
    this.#served.delete(root)
    served.staticFiles.close()
    served.restartFiles?.close()
    this.#d.logger.notice(`${root} ${why}`)
    void this.#d.pool.removeGroup(root)
  }

  #route (def: AppDefinition, group: AppRoute['group'], staticFiles: StaticFiles, adHoc: boolean): AppRoute {
    const o = def.options
    const store = this.#d.cacheStore
    return Object.freeze({
      root: def.root,
      serverNames: def.serverNames,
      baseUri: def.baseUri,
      group,
      staticFiles,
      turbocache: store === undefined || o.disableTurbocaching ? undefined : new Turbocache({ maxBytes: store.maxBytes, store, app: def.root, varyByCookie: o.varyTurbocacheByCookie }),
      stickyCookie: o.stickySessions ? o.stickySessionsCookieName : undefined,
      maxRequestTimeMs: o.maxRequestTime * 1000,
      upgradeTimeoutMs: o.upgradeTimeout * 1000,
      friendlyErrorPages: o.friendlyErrorPages ?? o.environment === 'development',
      adHoc
    })
  }

  /** Apps the front server named that nobody used for the idle time: their processes are already gone; so is the app. */
  #removeIdleAdHoc (): void {
    for (const [root, s] of this.#served) {
      const g = s.route.group
      if (!s.route.adHoc || g.processes.length > 0 || g.spawning > 0 || g.queue.length > 0) continue
      if (Date.now() - g.lastActivity < this.#d.adHocIdleMs) continue
      this.#remove(root, `(named by the front server) was idle for ${this.#d.adHocIdleMs / 1000} s: removed`)
      this.#d.router.remove(root)
    }
  }
}

/** The restart.txt watcher of an app, unless --stat-throttle-rate 0 turns it off. */
function watchRestartFiles (def: AppDefinition, group: AppRoute['group'], logger: Logger): RestartFiles | undefined {
  const every = def.options.statThrottleRate
  if (every <= 0) return undefined
  return new RestartFiles(def.root, every * 1000, def.options.bypass ? withoutAlwaysRestart(group, def.root, logger) : group)
}

/**
 * A bypassed app cannot be restarted before each request (none passes through the core), so tmp/always_restart.txt
 * cannot work for it: it is reported (again if it comes back) and otherwise ignored; restart.txt works as usual.
 */
function withoutAlwaysRestart (group: AppRoute['group'], root: string, logger: Logger): RestartTarget {
  let reported = false
  return {
    requestRestart: () => group.requestRestart(),
    get alwaysRestart () { return reported },
    set alwaysRestart (present: boolean) {
      if (present && !reported) {
        logger.warn(`${join(root, 'tmp', 'always_restart.txt')} has no effect with --bypass (no request passes through Ferry to restart the app before it): touch tmp/restart.txt after each change, or run the app without --bypass`)
      }
      reported = present
    }
  }
}

/** How an app is started, from its resolved options: the one mapping used at start-up checks and in the core. */
export function detectDefinedApp (def: AppDefinition, socketDir: string): AppSpec {
  const spec = detectApp(def.root, detectOptions(def, socketDir))
  // An app detected as another type (a passenger_wsgi.py, a config.ru) cannot take the socket over (bypass-rules.ts).
  if (def.options.bypass && spec.type !== 'node') {
    throw new FerryError('E_OPTION_INVALID', `--bypass (${def.root}): works for Node apps only, and this app was detected as a ${spec.type} app`)
  }
  return spec
}

function detectOptions (def: AppDefinition, socketDir: string): Parameters<typeof detectApp>[1] {
  const o = def.options
  return {
    appType: o.appType,
    startupFile: o.startupFile,
    appStartCommand: o.appStartCommand,
    environment: o.environment,
    envvars: { ...envvarPairs(o.envvar), ...(def.baseUri !== '/' ? { FERRY_BASE_URI: def.baseUri } : {}) },
    startTimeoutSeconds: o.startTimeout,
    socketDir,
    user: o.user,
    group: o.group,
    scheduling: o.appScheduling,
    passEnv: o.passEnv,
    python: o.python,
    ruby: o.ruby
  }
}

function groupSettings (o: FerryOptions): GroupSettings {
  return {
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
    saturationElu: o.saturationElu / 100,
    handAhead: o.handAhead,
    tunnelDrainMs: o.websocketDrainTime * 1000,
    outputLimit: { bytesPerSecond: o.appOutputRate * 1024, burstBytes: o.appOutputBurst * 1024 }
  }
}

/** The settings as comparable data (the memory reader is the same function for every app). */
function groupSettingsFingerprint (o: FerryOptions): unknown {
  const { measureMemoryKb: _, ...rest } = groupSettings(o)
  return { ...rest, bypass: o.bypass }
}
