// Starts the core's admin API in the instance directory the watchdog made, with its passwords.
import { readFileSync } from 'node:fs'
import { instancePaths, readProperties } from '../instance/instance-dir.js'
import { createAdminContext, type AdminContextDeps } from '../admin/context.js'
import { startAdminServer, type AdminServer } from '../admin/server.js'
import type { Pool } from '../pool/pool.js'
import type { FrontStats } from '../server/front.js'
import type { Inflight } from '../server/inflight.js'
import type { CacheFiguresSource } from '../admin/cache-snapshot.js'
import type { Logger } from '../log/logger.js'
import { FERRY_VERSION } from '../version.js'
import type { CoreConfig } from '../watchdog/messages.js'
import { parseAdminAddress } from '../config/listen-address.js'

export interface AdminApiDeps {
  readonly pool: Pool
  readonly stats: FrontStats
  readonly inflight: Inflight
  readonly cacheStore: CacheFiguresSource | undefined
  readonly shutdown: () => void
  readonly reopenLogs: () => boolean
  /** Re-reads the configuration; throws a FerryError (and changes nothing) when it cannot be served. */
  readonly reload: () => unknown
  /** The base URI an app is served under, for the status views. */
  readonly baseUriOf?: (appRoot: string) => string | undefined
  /** Drops the turbocache entries a purge names (AppSet.purgeCache). */
  readonly purgeCache: AdminContextDeps['purgeCache']
}

export async function startAdminApi (config: CoreConfig, deps: AdminApiDeps, logger: Logger): Promise<AdminServer[]> {
  const dir = config.instanceDir!
  const paths = instancePaths(dir)
  const passwords = {
    readOnly: readFileSync(paths.readOnlyAdminPassword, 'utf8').trim(),
    full: readFileSync(paths.fullAdminPassword, 'utf8').trim()
  }
  const properties = readProperties(dir)
  const instance = { name: properties?.name ?? 'unknown', version: FERRY_VERSION, server_software: `Ferry/${FERRY_VERSION}` }
  const ctx = createAdminContext({ ...deps, config: { options: config.options, sources: config.sources }, instance, integrationMode: properties?.integration_mode })
  const servers = [await startAdminServer({ path: paths.adminSocket }, ctx, passwords, logger)]
  const tcp = config.options.adminAddress
  if (tcp !== undefined) {
    servers.push(await startAdminServer(parseAdminAddress(tcp), ctx, passwords, logger))
    logger.notice(`admin API also on http://${tcp}`)
  }
  return servers
}
