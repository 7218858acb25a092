import { resolve } from 'node:path'
import { Args } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { flagsFor, rawFlagValues } from '../cli/flags.js'
import { renderBanner } from '../cli/render/banner.js'
import { StartupView } from '../cli/render/startup-view.js'
import { resolveOptions } from '../core/config/resolve.js'
import { launchDaemon, launchForeground, preflight } from '../core/watchdog/launch.js'

export default class Start extends BaseCommand {
  static override summary = 'serve a web app through a supervised, load-balanced pool of app processes'
  static override description = 'Serves the app in APP_DIR (a Node.js app, or any app that listens on $PORT) on the given address. ' +
    'Static files under APP_DIR/public are served by Ferry itself.'

  static override examples = [
    { description: 'Serve the example app on port 3000', command: '<%= config.bin %> start examples/hello' },
    { description: 'Serve with four processes in the background', command: '<%= config.bin %> start --min-instances 4 --daemonize --port 8080 .' },
    { description: 'Serve any app that listens on $PORT', command: '<%= config.bin %> start --app-start-command "python3 -m http.server $PORT" .' }
  ]

  static override args = {
    APP_DIR: Args.string({ description: 'the app\'s directory', default: '.' })
  }

  static override flags = flagsFor('start')

  async run (): Promise<void> {
    const { args, flags } = await this.parse(Start)
    const { options, sources } = resolveOptions({ flags: rawFlagValues(flags, 'start'), env: process.env })
    const config = preflight({ appDir: resolve(args.APP_DIR), options, sources })
    const view = new StartupView(options.minInstances)
    const banner = (url: string, corePid: number, l: { watchdogPid: number, logFile?: string, pidFile?: string, name?: string }): string =>
      renderBanner({ version: this.config.version, url, appRoot: config.appDir, corePid, environment: options.environment, daemonized: options.daemonize, warning: view.warning, ...l, name: view.name })

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
    if (view.error !== undefined) this.failWith(view.error)
    process.exitCode = code
  }
}
