// Binds the admin API's routes to one running core: builds the status snapshot (pool + metrics + instance) in one
// place, and every view renders that same snapshot.
import type { ResolvedOptions } from '../config/resolve.js'
import type { Pool } from '../pool/pool.js'
import type { FrontStats } from '../server/front.js'
import type { Inflight } from '../server/inflight.js'
import { FERRY_VERSION } from '../version.js'
import { collectMetrics } from './metrics.js'
import { cacheSnapshot, type CacheFiguresSource } from './cache-snapshot.js'
import type { PurgeTarget } from './purge-target.js'
import { API_VERSION, type AdminContext } from './routes.js'
import type { AppFacts, InstanceInfo, StatusSnapshot } from './status-snapshot.js'
import { renderPoolText } from './views/pool-text.js'
import { renderPoolXml } from './views/pool-xml.js'
import { renderRequestsJson } from './views/requests-json.js'
import { coreSettings, ownRunAs, runAsOf, systemAccounts } from './run-as.js'

export interface AdminContextDeps {
  readonly pool: Pool
  readonly stats: FrontStats
  readonly inflight: Inflight
  /** The turbocache's store, shared by every app; absent when turbocaching is off for the instance. */
  readonly cacheStore: CacheFiguresSource | undefined
  readonly config: ResolvedOptions
  readonly instance: InstanceInfo
  readonly shutdown: () => void
  readonly reopenLogs: () => boolean
  readonly reload: () => unknown
  /** `standalone` or `flying`, as properties.json says; default standalone. */
  readonly integrationMode?: string
  /** The base URI an app is served under (the router knows); default `/`. */
  readonly baseUriOf?: (appRoot: string) => string | undefined
  /** Drops the turbocache entries a purge names; returns how many. Throws E_APP_NOT_FOUND for an unknown app. */
  readonly purgeCache: (target: PurgeTarget) => number | Promise<number>
}

export interface SnapshotSources {
  readonly pool: Pool
  readonly instance: InstanceInfo
  readonly config?: ResolvedOptions
  readonly integrationMode?: string
  readonly baseUriOf?: (appRoot: string) => string | undefined
  readonly cacheStore?: CacheFiguresSource | undefined
}

/** The one snapshot every status view renders: pool, per-process metrics, and what each app runs as and under. */
async function buildStatusSnapshot (src: SnapshotSources): Promise<StatusSnapshot> {
  const snapshot = src.pool.snapshot()
  const pids = snapshot.groups.flatMap(g => g.processes.map(p => p.pid))
  const accounts = systemAccounts()
  const own = ownRunAs(accounts)
  const apps: Record<string, AppFacts> = {}
  for (const g of snapshot.groups) apps[g.name] = { base_uri: src.baseUriOf?.(g.app_root) ?? '/', run_as: runAsOf(g, own, accounts) }
  const settings = src.config === undefined ? undefined : coreSettings(src.config.options, src.integrationMode ?? 'standalone', own, accounts)
  return {
    instance: src.instance,
    pool: snapshot,
    metrics: await collectMetrics(pids),
    apps,
    ...(settings === undefined ? {} : { settings }),
    turbocaching: cacheSnapshot(src.cacheStore)
  }
}

const speed = (value: number, over: string): Record<string, unknown> => ({ averaged_over: over, per: 'minute', value })

/** What the read-only account sees of an option: --envvar's names, not its values (tokens, keys). */
function withoutSecrets (name: string, value: unknown): unknown {
  if (name !== 'envvar' || !Array.isArray(value)) return value
  return value.map(v => String(v).split('=')[0])
}

export function createAdminContext (d: AdminContextDeps): AdminContext {
  const snapshot = (): Promise<StatusSnapshot> => buildStatusSnapshot(d)
  const ctx: AdminContext = {
    info: () => ({ status: 'ok', pid: process.pid, program_name: 'Ferry', program_version: FERRY_VERSION, api_version: API_VERSION, instance: d.instance.name }),
    poolJson: snapshot,
    poolText: async (verbose, colorize, passengerCompat) => renderPoolText(await snapshot(), { now: Date.now(), verbose, colorize, passengerCompat }),
    poolXml: async verbose => renderPoolXml(await snapshot(), { now: Date.now(), verbose }),
    serverJson: () => {
      const s = d.stats
      const accept = s.acceptRate.rates()
      const begin = s.requestRate.rates()
      // The reference reports one block per controller thread; Ferry's core has one event loop, so one block.
      return {
        threads: 1,
        thread1: {
          pid: process.pid,
          server_state: 'ACTIVE',
          active_client_count: s.activeConnections,
          peak_active_client_count: s.peakActiveConnections,
          total_clients_accepted: s.connectionsAccepted,
          total_requests_begun: s.requestsBegun,
          active_request_count: s.activeRequests,
          response_buffer_bytes: s.responseBuffers.held,
          response_buffer_budget: s.responseBuffers.budget,
          responses_paused_for_budget: s.responseBuffers.waiting,
          client_accept_speed: { '1m': speed(accept.perMinute1m, '1 minute'), '1h': speed(accept.perMinute1h, '1 hour') },
          request_begin_speed: { '1m': speed(begin.perMinute1m, '1 minute'), '1h': speed(begin.perMinute1h, '1 hour') },
          turbocaching: cacheSnapshot(d.cacheStore)
        }
      }
    },
    requestsJson: () => {
      const now = Date.now()
      const server = (ctx.serverJson() as { thread1: Record<string, unknown> }).thread1
      return renderRequestsJson({ server, requests: d.inflight.snapshot(now), pool: d.pool.snapshot(), now })
    },
    configJson: secrets => {
      const out: Record<string, { value: unknown, source: string }> = {}
      for (const [name, source] of Object.entries(d.config.sources)) {
        const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
        const value = (d.config.options as Record<string, unknown>)[key] ?? null
        out[name] = { value: secrets ? value : withoutSecrets(name, value), source }
      }
      return { options: out }
    },
    restartGroup: (name, method) => {
      const group = d.pool.groups.get(name)
      group?.restart(method ?? group.defaultRestartMethod)
      return group !== undefined
    },
    detachProcess: pid => [...d.pool.groups.values()].some(g => g.detach(pid)),
    shutdown: () => setImmediate(d.shutdown),
    reopenLogs: d.reopenLogs,
    reload: d.reload,
    purgeCache: d.purgeCache
  }
  return ctx
}
