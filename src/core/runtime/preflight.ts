// What `ferry start` checks of the core's configuration before anything is forked: the apps can be detected, the
// addresses parse. The same functions the core runs later, run early, so a mistake is met at the terminal.
import { realpathSync } from 'node:fs'
import { dirname } from 'node:path'
import type { AppDefinition } from '../config/apps.js'
import { parseAdminAddress, parseMetricsAddress } from '../config/listen-address.js'
import type { CoreConfig } from '../watchdog/messages.js'
import { detectDefinedApp } from './app-set.js'

/** Throws the FerryError a user would otherwise meet only in the log, while they are still at the terminal. */
export function preflight (config: CoreConfig, apps: readonly AppDefinition[]): CoreConfig {
  for (const app of apps) detectDefinedApp(app, dirname(app.root))
  if (config.options.adminAddress !== undefined) parseAdminAddress(config.options.adminAddress)
  if (config.options.metricsAddress !== undefined) parseMetricsAddress(config.options.metricsAddress)
  return { ...config, appDir: config.appDir === undefined ? undefined : realpathSync(config.appDir) }
}
