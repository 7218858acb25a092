import { Args } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { selectInstanceFor, selectionFrom } from '../cli/select-instance.js'
import { commandFlagsFor } from '../cli/flags.js'
import { reloadInstance, type ReloadResult } from '../core/client/reload.js'

export default class Reload extends BaseCommand {
  static override summary = 'make a running instance re-read its --config file and Ferryfile.json files'
  static override description = 'New apps are added and their min-instances started at once, removed apps finish their ' +
    'requests and stop, changed apps are restarted rolling, unchanged apps keep their processes. A file that cannot be ' +
    'served is refused with the reason and the running configuration stays. Instance-wide options (port, pool size, log ' +
    'file…) apply only after a restart, and the output says which changed. Same as sending SIGHUP to the watchdog. ' +
    'Exit codes: 0 reloaded, 1 no instance or several without a name, 2 refused (the file) or not authorized, ' +
    '3 admin API unreachable.'

  static override examples = [
    { description: 'Reload the only running instance', command: '<%= config.bin %> reload' },
    { description: 'Reload the instance whose name starts with k3x, and print what changed as JSON', command: '<%= config.bin %> reload k3x --json' }
  ]

  static override enableJsonFlag = true

  static override args = {
    NAME: Args.string({ description: 'the instance\'s name (a unique prefix is enough); needed when several run', required: false })
  }

  static override flags = commandFlagsFor('reload')

  async run (): Promise<ReloadResult> {
    const { args, flags } = await this.parse(Reload)
    const instance = selectInstanceFor(selectionFrom('reload', flags, this.jsonEnabled(), args.NAME))
    const result = await reloadInstance(instance, flags.timeout * 1000)
    if (!this.jsonEnabled()) {
      const line = (what: string, list: readonly string[]): string => list.length === 0 ? '' : `${what}: ${list.join(', ')}\n`
      process.stdout.write(`Reloaded instance ${instance.name}.\n` + line('Added', result.added) + line('Removed', result.removed) +
        line('Changed (restarting, rolling)', result.changed) + line('Unchanged', result.unchanged) +
        line('Not applied until the instance restarts', result.needs_restart))
    }
    return result
  }
}
