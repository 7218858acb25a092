import { Args } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { flagsFor } from '../cli/flags.js'
import { serve } from '../cli/serve.js'

export default class Start extends BaseCommand {
  static override summary = 'serve a web app through a supervised, load-balanced pool of app processes'
  static override description = 'Serves the app in APP_DIR (a Node.js app, or any app that listens on $PORT) on the given address, ' +
    'or every app listed in a --config file, routed by Host and base URI. Static files under each app\'s public/ are served ' +
    'by Ferry itself. A Ferryfile.json in an app directory holds options for that app.'

  static override examples = [
    { description: 'Serve the example app on port 3000', command: '<%= config.bin %> start examples/hello' },
    { description: 'Serve with four processes in the background', command: '<%= config.bin %> start --min-instances 4 --daemonize --port 8080 .' },
    { description: 'Serve any app that listens on $PORT', command: "<%= config.bin %> start --app-start-command 'python3 -m http.server $PORT' ." },
    { description: 'Serve the apps listed in a configuration file', command: '<%= config.bin %> start --config ferry.json' }
  ]

  static override args = {
    APP_DIR: Args.string({ description: 'the app\'s directory [default: . unless --config lists apps]', required: false })
  }

  static override flags = flagsFor('start')

  async run (): Promise<void> {
    const { args, flags } = await this.parse(Start)
    const appDir = args.APP_DIR ?? (flags.config === undefined ? '.' : undefined)
    await serve({ command: 'start', flags, appDir, version: this.config.version, failWith: err => this.failWith(err) })
  }
}
