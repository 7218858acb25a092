import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { flagsFor, rawFlagValues } from '../cli/flags.js'
import { resolveOptions } from '../core/config/resolve.js'
import { stopInstance } from '../core/watchdog/stop.js'

export default class Stop extends BaseCommand {
  static override summary = 'stop an instance started with --daemonize'
  static override description = 'Finds the instance by its name in the instance registry, or through its pid file (given, or derived from --port as `ferry start` does), ' +
    'sends it SIGTERM and waits until it has stopped: in-flight requests finish, app processes stop.'

  static override examples = [
    { description: 'Stop the instance on port 3000', command: '<%= config.bin %> stop' },
    { description: 'Stop the instance on port 8080', command: '<%= config.bin %> stop --port 8080' },
    { description: 'Stop by pid file', command: '<%= config.bin %> stop --pid-file /run/ferry.pid' },
    { description: 'Stop by instance name', command: '<%= config.bin %> stop k3x9q2ab' }
  ]

  static override args = {
    NAME: Args.string({ description: 'the instance name the start banner showed (a unique prefix is enough)', required: false })
  }

  static override flags = {
    ...flagsFor('stop'),
    port: Flags.string({ char: 'p', description: 'the port the instance was started with [default: 3000]', helpValue: 'N' }),
    socket: Flags.string({ char: 'S', description: 'the Unix socket the instance was started with', helpValue: 'PATH' }),
    timeout: Flags.integer({ description: 'seconds to wait for it to stop [default: 60]', min: 1, default: 60 })
  }

  async run (): Promise<void> {
    const { args, flags } = await this.parse(Stop)
    const raw = { ...rawFlagValues(flags, 'stop'), port: flags.port, socket: flags.socket }
    const { options } = resolveOptions({ flags: raw, env: process.env })
    const { pid, cleaned } = await stopInstance({ ...options, name: args.NAME }, flags.timeout * 1000)
    for (const dir of cleaned) process.stderr.write(`ferry: cleaned stale instance directory ${dir}\n`)
    process.stdout.write(`Stopped Ferry (PID ${pid}).\n`)
  }
}
