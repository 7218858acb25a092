import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { selectInstanceFor, selectionFrom } from '../../cli/select-instance.js'
import { commandFlagsFor } from '../../cli/flags.js'
import { purgeKeyParts, type PurgeTarget } from '../../core/admin/purge-target.js'
import { purgeCache, type PurgeResult } from '../../core/client/cache.js'
import { FerryError } from '../../core/errors.js'

export default class CachePurge extends BaseCommand {
  static override summary = 'drop entries from a running instance\'s turbocache: one URL, one app\'s, or all'
  static override description = 'The next request for a purged entry goes to the app. URL is absolute, as clients ask ' +
    'for it: its scheme, host (with the port exactly as clients send it in Host) and path with query are what entries ' +
    'are stored under, and every variant of it (each cookie value with --vary-turbocache-by-cookie) in every app that ' +
    'holds it is dropped. --app APP drops one app\'s entries (APP as for `ferry restart-app`: its directory or its ' +
    'name in `ferry status`); --all drops every entry. Give exactly one of the three. Needs the full-admin account ' +
    '(run it as the instance\'s user or root). Exit codes: 0 purged (also when nothing was cached), 1 no instance or ' +
    'several without --name, 2 not one of URL, --app and --all, a URL that is not absolute http(s), or not ' +
    'authorized, 3 the instance does not serve APP, or the admin API did not answer.'

  static override examples = [
    { description: 'Drop one page of the only running instance', command: '<%= config.bin %> cache purge \'http://shop.example.com/products?page=2\'' },
    { description: 'Drop every cached response of the app in the current directory', command: '<%= config.bin %> cache purge --app .' },
    { description: 'Empty the cache of the instance whose name starts with k3x', command: '<%= config.bin %> cache purge --all --name k3x' }
  ]

  static override enableJsonFlag = true

  static override args = {
    URL: Args.string({ description: 'an absolute URL whose entries to drop: http(s)://HOST[:PORT]/PATH[?QUERY]', required: false })
  }

  static override flags = commandFlagsFor('cache:purge')

  async run (): Promise<PurgeResult> {
    const { args, flags } = await this.parse(CachePurge)
    const given = [args.URL, flags.app, flags.all ? true : undefined].filter(v => v !== undefined)
    if (given.length !== 1) throw new FerryError('E_USAGE', 'give exactly one of URL, --app APP or --all (see `ferry cache purge --help`)')
    // A bad URL is refused before any instance is looked for.
    if (args.URL !== undefined) purgeKeyParts(args.URL)
    const target: PurgeTarget = args.URL !== undefined ? { url: args.URL } : flags.app !== undefined ? { app: flags.app } : { all: true }
    const instance = selectInstanceFor(selectionFrom('cache purge --name', flags, this.jsonEnabled()))
    const result = await purgeCache(instance, target, flags.timeout * 1000)
    if (!this.jsonEnabled()) process.stdout.write(describe(result, instance.name))
    return result
  }
}

function describe (r: PurgeResult, instance: string): string {
  const entries = `${r.purged} turbocache entr${r.purged === 1 ? 'y' : 'ies'}`
  if ('url' in r) return `Purged ${entries} of ${r.url}\n`
  if ('app' in r) return `Purged ${entries} of ${r.app}\n`
  return `Purged ${entries}: all of instance ${instance}\n`
}
