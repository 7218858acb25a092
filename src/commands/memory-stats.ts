import { BaseCommand } from '../cli/base-command.js'
import { renderMemoryStats } from '../cli/render/memory-stats.js'
import { paint } from '../cli/render/paint.js'
import { PASSENGER_COMPAT_SENTENCE } from '../cli/passenger-compat.js'
import { commandFlagsFor } from '../cli/flags.js'
import { collectMemoryStats, type MemoryStats as Stats } from '../core/inspect/memory-stats.js'

export default class MemoryStats extends BaseCommand {
  static override summary = 'show the memory that Ferry, nginx and Apache processes use'
  static override description = 'Lists every Ferry process (watchdog, core, app processes and whatever they started), ' +
    'nginx and Apache process on this machine with its virtual size and private dirty RSS, the memory it really uses. ' +
    'Reads /proc directly and needs no running API, so it also works when an instance is stuck. ' +
    'Run as root to see the private dirty RSS of other users\' processes. ' + PASSENGER_COMPAT_SENTENCE

  static override examples = [
    { description: 'Show the memory of all Ferry, nginx and Apache processes', command: '<%= config.bin %> memory-stats' },
    { description: 'Show Ferry processes only', command: '<%= config.bin %> memory-stats --no-apache --no-nginx' },
    { description: 'The same figures as JSON', command: '<%= config.bin %> memory-stats --json' },
    { description: 'passenger-memory-stats\'s layout, for agents that look for its "Passenger processes" section', command: '<%= config.bin %> memory-stats --passenger-compat' }
  ]

  static override enableJsonFlag = true

  static override flags = commandFlagsFor('memory-stats')

  async run (): Promise<Stats> {
    const { flags } = await this.parse(MemoryStats)
    const stats = collectMemoryStats({ apache: flags.apache, nginx: flags.nginx })
    if (!this.jsonEnabled()) {
      const input = { stats, version: this.config.version, date: new Date(), isRoot: process.geteuid?.() === 0, passengerCompat: flags['passenger-compat'] }
      process.stdout.write(renderMemoryStats(input, { title: paint.label, header: s => s }))
    }
    return stats
  }
}
