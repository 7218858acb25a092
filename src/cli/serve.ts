// What `ferry start` and `ferry fly` share: load the configuration (one-line errors before anything is forked),
// launch the watchdog in the foreground or as a daemon, and print the banner.
import { resolve } from 'node:path'
import { rawFlagValues } from './flags.js'
import { renderBanner } from './render/banner.js'
import { StartupView } from './render/startup-view.js'
import { loadServeConfig } from '../core/config/apps.js'
import { FerryError } from '../core/errors.js'
import { checkBypass } from '../core/config/bypass-rules.js'
import { launchDaemon, launchForeground } from '../core/watchdog/launch.js'
import { preflight } from '../core/runtime/preflight.js'

export interface ServeRequest {
  readonly command: 'start' | 'fly'
  readonly flags: Record<string, unknown>
  readonly appDir?: string | undefined
  readonly version: string
  readonly failWith: (err: Error) => void
}

export async function serve (r: ServeRequest): Promise<void> {
  const flags = rawFlagValues(r.flags, r.command)
  const configFile = typeof flags.config === 'string' ? resolve(flags.config) : undefined
  const loaded = loadServeConfig({ flags, env: process.env, appDir: r.appDir, configFile })
  if (r.command === 'start' && loaded.apps.length === 0) {
    throw new FerryError('E_CONFIG_INVALID', `${configFile ?? 'the configuration'} lists no apps: add "apps", or name the app directory`)
  }
  checkBypass({ instance: loaded.instance.options, apps: loaded.apps, command: r.command })
  const { options, sources } = loaded.instance
  const config = preflight({ appDir: r.appDir, configFile, flags, options, sources }, loaded.apps)
  const apps = loaded.apps.length === 1 ? loaded.apps[0]!.root : `${loaded.apps.length} apps${loaded.apps.length > 0 ? ` (${loaded.apps.map(a => a.root).join(', ')})` : ''}`
  const minInstances = loaded.apps.reduce((n, a) => n + a.options.minInstances, 0)
  const view = new StartupView(minInstances)
  const banner = (url: string, corePid: number, l: { watchdogPid: number, logFile?: string, pidFile?: string, name?: string }): string =>
    renderBanner({ version: r.version, url, appRoot: apps, corePid, environment: options.environment, daemonized: options.daemonize, warning: view.warning, ...l, name: view.name })

  if (options.daemonize) {
    const launched = await launchDaemon(config, e => view.onEvent(e))
    view.finish()
    process.stdout.write(banner(view.url, view.corePid, launched))
    return
  }
  const launched = launchForeground(config, e => {
    if (view.onEvent(e)) process.stdout.write(banner(view.url, view.corePid, launched))
  })
  const code = await launched.done
  view.finish()
  if (view.error !== undefined) r.failWith(view.error)
  process.exitCode = code
}
