import { Args } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { commandFlagsFor, flagsFor, rawFlagValues } from '../cli/flags.js'
import { selectInstanceFor, selectionFrom } from '../cli/select-instance.js'
import { resolveOptions } from '../core/config/resolve.js'
import { stopInstance } from '../core/watchdog/stop.js'

export default class Stop extends BaseCommand {
  static override summary = 'stop a running instance (a daemon, or one in the foreground of another terminal)'
  static override description = 'Finds the instance by its name in the instance registry, through its pid file (given, or derived from --port, 3000 by default, or --socket as `ferry start` does), ' +
    'or as the instance the registry knows on that --port or --socket; sends it SIGTERM and waits until it has stopped: ' +
    'in-flight requests finish, app processes stop. A pid file is believed only when it names its own Ferry watchdog ' +
    '(title, user and start time); one naming a dead, reused or unrelated PID is stale and nothing is signalled. ' +
    'Exit codes: 0 stopped, 1 no instance has that name, 2 not authorized or the instance is untrusted (its directory or ' +
    'files are another user\'s, writable by others, or symlinks: never signalled), 7 no running instance found through ' +
    'the pid file (or it is stale) or the address.'

  static override examples = [
    { description: 'Stop the instance on port 3000', command: '<%= config.bin %> stop' },
    { description: 'Stop the instance on port 8080', command: '<%= config.bin %> stop --port 8080' },
    { description: 'Stop by pid file', command: '<%= config.bin %> stop --pid-file /run/ferry.pid' },
    { description: 'Stop by instance name', command: '<%= config.bin %> stop k3x9q2ab' }
  ]

  static override args = {
    NAME: Args.string({ description: 'the instance\'s name (a unique prefix is enough)', required: false })
  }

  static override flags = {
    ...flagsFor('stop'),
    ...commandFlagsFor('stop')
  }

  async run (): Promise<void> {
    const { args, flags } = await this.parse(Stop)
    const raw = { ...rawFlagValues(flags, 'stop'), port: flags.port === undefined ? undefined : String(flags.port), socket: flags.socket }
    const { options } = resolveOptions({ flags: raw, env: process.env })
    // A name is looked up as every other command looks it up, so an unknown one fails alike everywhere.
    const selection = selectionFrom('stop', flags, false, args.NAME)
    const name = selection.name === undefined ? undefined : selectInstanceFor(selection).name
    const { pid, cleaned } = await stopInstance({ ...options, name }, flags.timeout * 1000)
    for (const dir of cleaned) process.stderr.write(`ferry: cleaned stale instance directory ${dir}\n`)
    process.stdout.write(`Stopped Ferry (PID ${pid}).\n`)
  }
}
