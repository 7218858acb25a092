import { Args } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { selectInstanceFor, selectionFrom } from '../cli/select-instance.js'
import { commandFlagsFor } from '../cli/flags.js'
import { reopenLogs } from '../core/client/reopen-logs.js'

export default class ReopenLogs extends BaseCommand {
  static override summary = 'make a running instance reopen its log file (after logrotate moved it)'
  static override description = 'The core and the watchdog open their --log-file path again: once logrotate has renamed ' +
    'the file, new lines go to a new file at the same path and the old one can be compressed. Lines already queued are ' +
    'written to the old file first. A logrotate rule for a daemon\'s log:\n\n' +
    '    /var/log/ferry/*.log {\n' +
    '      daily\n' +
    '      rotate 14\n' +
    '      compress\n' +
    '      delaycompress\n' +
    '      missingok\n' +
    '      notifempty\n' +
    '      postrotate\n' +
    '        ferry reopen-logs --port 3000 >/dev/null\n' +
    '      endscript\n' +
    '    }\n\n' +
    'Needs the full-admin account (run it as the instance\'s user or root). Exit codes: 0 reopened, 1 no instance or ' +
    'several without a name, 2 not authorized, 3 admin API unreachable, 5 the instance logs to its terminal (no --log-file).'

  static override examples = [
    { description: 'Reopen the log of the only running instance', command: '<%= config.bin %> reopen-logs' },
    { description: 'Reopen the log of the instance whose name starts with k3x', command: '<%= config.bin %> reopen-logs k3x' },
    { description: 'Reopen the log of the instance on port 8080 (names change at each start; ports do not)', command: '<%= config.bin %> reopen-logs --port 8080' }
  ]

  static override enableJsonFlag = true

  static override args = {
    NAME: Args.string({ description: 'the instance\'s name (a unique prefix is enough); needed when several run', required: false })
  }

  static override flags = commandFlagsFor('reopen-logs')

  async run (): Promise<{ instance: string, reopened: true }> {
    const { args, flags } = await this.parse(ReopenLogs)
    const instance = selectInstanceFor(selectionFrom('reopen-logs', flags, this.jsonEnabled(), args.NAME))
    await reopenLogs(instance, flags.timeout * 1000)
    if (!this.jsonEnabled()) process.stdout.write(`Instance ${instance.name} reopened its log file\n`)
    return { instance: instance.name, reopened: true }
  }
}
