import { Args } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderProcessTable } from '../cli/render/status-fallback.js'
import { fetchView, instanceProcesses, type Show } from '../core/client/status.js'
import { selectInstanceFor, selectionFrom } from '../cli/select-instance.js'
import { commandFlagsFor } from '../cli/flags.js'
import { renderStatusHeader } from '../core/admin/views/pool-text.js'
import { FerryError, isFerryError } from '../core/errors.js'
import type { InstanceRecord } from '../core/instance/registry.js'
import { watch, watchSeconds, withOptionalWatchValue } from '../cli/watch.js'
import { PASSENGER_COMPAT_SENTENCE } from '../cli/passenger-compat.js'

export default class Status extends BaseCommand {
  static override summary = 'show what a running instance is doing: its pool, processes and front server'
  static override description = 'Asks the instance\'s admin API (over its Unix socket) for the pool, server or request view. ' +
    'Text and XML match the layouts of passenger-status. When the API does not answer, shows the instance\'s processes ' +
    'from the process table instead and exits 3. Exit codes: 0 ok, 1 no instance or several without a name, ' +
    '2 not authorized (or the instance is untrusted: its files are another user\'s, writable by others or symlinks), 3 admin API unreachable. ' + PASSENGER_COMPAT_SENTENCE

  static override examples = [
    { description: 'Show the pool of the only running instance', command: '<%= config.bin %> status' },
    { description: 'XML for monitoring, of the instance whose name starts with k3x', command: '<%= config.bin %> status --show xml k3x' },
    { description: 'The pool snapshot as JSON', command: '<%= config.bin %> status --show json' },
    { description: 'Only the lines passenger-status prints, for agents that parse it line by line', command: '<%= config.bin %> status --passenger-compat' },
    { description: 'Watch the pool, redrawn every second (q to quit)', command: '<%= config.bin %> status --watch 1' }
  ]

  static override enableJsonFlag = true

  static override args = {
    NAME: Args.string({ description: 'the instance\'s name (a unique prefix is enough); needed when several run', required: false })
  }

  static override flags = commandFlagsFor('status')

  async run (): Promise<unknown> {
    const { args, flags } = await this.parse(Status, withOptionalWatchValue(this.argv))
    const instance = selectInstanceFor(selectionFrom('status', flags, this.jsonEnabled(), args.NAME))
    const show = flags.show as Show
    if (flags.watch !== undefined) return this.watch(instance, show, flags.watch, flags)
    try {
      if (this.jsonEnabled()) {
        // Scripts get data: the snapshot for the pool views, the server or request JSON otherwise.
        const view = show === 'server' || show === 'requests' ? show : 'json'
        return JSON.parse(await fetchView(instance, view, { verbose: false, colorize: false }, flags.timeout * 1000)) as unknown
      }
      process.stdout.write(await this.view(instance, show, flags))
      return undefined
    } catch (err) {
      if (!isFerryError(err) || err.code !== 'E_API_UNREACHABLE' || this.jsonEnabled()) throw err
      process.stdout.write(await renderProcessTable(instanceProcesses(instance)))
      throw err
    }
  }

  /** One view as text, with the Version/Date/Instance header where it belongs. */
  private async view (instance: InstanceRecord, show: Show, flags: { verbose: boolean, header: boolean, timeout: number, 'force-colors'?: boolean, 'passenger-compat'?: boolean }): Promise<string> {
    const colorize = process.env.NO_COLOR === undefined && (flags['force-colors'] === true || process.stdout.isTTY === true)
    const body = await fetchView(instance, show, { verbose: flags.verbose, colorize, passengerCompat: flags['passenger-compat'] === true }, flags.timeout * 1000)
    const header = flags.header && show !== 'json' && show !== 'xml' ? renderStatusHeader(instance, new Date()) : ''
    return header + body
  }

  /** --watch [SECONDS]: the view again and again (src/cli/watch.ts). */
  private async watch (instance: InstanceRecord, show: Show, value: string, flags: Parameters<Status['view']>[2]): Promise<undefined> {
    const seconds = watchSeconds(value)
    if (seconds === undefined) throw new FerryError('E_USAGE', `--watch ${value}: give the seconds between views, from 0.1 to 86400`)
    if (this.jsonEnabled()) throw new FerryError('E_USAGE', '--watch shows the text views again and again; for JSON, run ferry status --json as often as needed')
    await watch(async () => await this.view(instance, show, flags), { seconds, title: `ferry ${['status', ...this.argv].join(' ')}` })
    return undefined
  }
}
