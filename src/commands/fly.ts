import { BaseCommand } from '../cli/base-command.js'
import { flagsFor } from '../cli/flags.js'
import { serve } from '../cli/serve.js'
import { FerryError } from '../core/errors.js'

export default class Fly extends BaseCommand {
  static override summary = 'run Ferry as a daemon on a Unix socket behind a front web server (flying mode)'
  static override description = 'Listens on --socket-file (mode 0660 unless --socket-mode says otherwise), which nginx or another ' +
    'front server proxies to, and serves the apps of --config by Host and base URI. With --trust-front-headers the front ' +
    'server may name an app by X-Ferry-App-Root; a root not seen before is spawned on its first request. The daemon lives ' +
    'independently of the front server: restarting nginx restarts no app. SIGHUP or `ferry reload` re-reads the ' +
    'configuration; SIGINT/SIGTERM or `ferry stop --pid-file` stop it gracefully.'

  static override examples = [
    { description: 'Fly in the foreground with a configuration file', command: '<%= config.bin %> fly --socket-file /run/ferry/ferry.sock --config /etc/ferry.json' },
    { description: 'Fly as a daemon, letting nginx name the apps', command: '<%= config.bin %> fly --socket-file /run/ferry/ferry.sock --trust-front-headers --socket-group www-data --daemonize --pid-file /run/ferry/ferry.pid' }
  ]

  static override flags = flagsFor('fly')

  async run (): Promise<void> {
    const { flags } = await this.parse(Fly)
    if (flags['socket-file'] === undefined) throw new FerryError('E_USAGE', 'ferry fly needs --socket-file PATH: the Unix socket the front server proxies to')
    await serve({ command: 'fly', flags, version: this.config.version, failWith: err => this.failWith(err) })
  }
}
