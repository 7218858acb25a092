import { Args } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { selectInstanceFor, selectionFrom } from '../cli/select-instance.js'
import { commandFlagsFor } from '../cli/flags.js'
import { restartApps, type RestartResult } from '../core/client/actions.js'

export default class RestartApp extends BaseCommand {
  static override summary = 'restart one app of a running instance, or all of them'
  static override description = 'Replaces the app\'s processes with new ones; the command returns once the restart has ' +
    'begun. With --rolling, one process at a time is replaced and a new one is ready before an old one leaves rotation, ' +
    'so the app keeps serving; without it the instance\'s --rolling-restarts setting decides (blocking by default: old ' +
    'processes finish their requests while new ones start, and new requests wait). APP is the app\'s directory ' +
    '(relative to the current one) or its name as `ferry status` lists it; without APP every app of the instance is ' +
    'restarted. Needs the full-admin account (run it as the instance\'s user or root). Exit codes: 0 restarted, ' +
    '1 no instance or several without --name, 2 not authorized, 3 the instance does not serve APP, or the admin ' +
    'API did not answer.'

  static override examples = [
    { description: 'Restart every app of the only running instance', command: '<%= config.bin %> restart-app' },
    { description: 'Restart the app in the current directory without downtime', command: '<%= config.bin %> restart-app . --rolling' },
    { description: 'Restart one app of the instance whose name starts with k3x', command: '<%= config.bin %> restart-app /srv/shop --name k3x' }
  ]

  static override enableJsonFlag = true

  static override args = {
    APP: Args.string({ description: 'the app: its directory or its name in `ferry status` [default: every app]', required: false })
  }

  static override flags = commandFlagsFor('restart-app')

  async run (): Promise<RestartResult> {
    const { args, flags } = await this.parse(RestartApp)
    const instance = selectInstanceFor(selectionFrom('restart-app --name', flags, this.jsonEnabled()))
    const result = await restartApps(instance, args.APP, flags.rolling, flags.timeout * 1000)
    if (!this.jsonEnabled()) {
      const how = result.method === 'rolling' ? ' (rolling)' : ''
      for (const name of result.restarted) process.stdout.write(`Restarting ${name}${how}\n`)
      if (result.restarted.length === 0) process.stdout.write(`Instance ${instance.name} serves no app yet: nothing to restart\n`)
    }
    return result
  }
}
