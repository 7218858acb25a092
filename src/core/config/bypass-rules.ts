// What --bypass cannot be combined with. In bypass mode the app's processes accept clients on the instance's own
// listening socket, so everything that needs the core between client and app cannot happen; rather than ignore such
// an option silently, `ferry start` (and a reload) refuses the combination in one line. docs/bypass.md has the table.
import { FerryError } from '../errors.js'
import type { FerryOptions } from './options.js'

interface BypassCheckInput {
  readonly instance: FerryOptions
  readonly apps: ReadonlyArray<{ readonly root: string, readonly options: FerryOptions }>
  readonly command?: 'start' | 'fly' | undefined
}

/** Throws E_OPTION_INVALID (exit 2) for the first combination with --bypass that cannot work. */
export function checkBypass (c: BypassCheckInput): void {
  const bypassed = c.apps.find(a => a.options.bypass)
  if (bypassed === undefined) return
  const problem = bypassProblem(c, bypassed.options)
  if (problem !== undefined) throw new FerryError('E_OPTION_INVALID', `--bypass (${bypassed.root}): ${problem}`)
}

function bypassProblem (c: BypassCheckInput, o: FerryOptions): string | undefined {
  if (c.command === 'fly') return 'ferry fly serves the apps a front web server names per request; bypass needs an instance of its own (ferry start)'
  if (c.apps.length > 1) return 'the instance must serve this one app, since its processes take over the listening socket; serve the other apps from another instance'
  if (c.instance.socket !== undefined || c.instance.socketFile !== undefined) return 'needs a TCP port; it cannot share a Unix socket (--socket) with the app\'s processes'
  if ((o.appType !== undefined && o.appType !== 'node') || o.appStartCommand !== undefined) return 'works for Node apps only (the app is started with --app-type generic or --app-start-command)'
  if (o.stickySessions) return 'cannot honour --sticky-sessions: each process accepts its own clients, so nothing can send a client back to one; drop one of the two'
  if (o.concurrency > 0) return 'cannot honour --concurrency: no request waits in a queue for a free slot; drop one of the two'
  if (o.maxRequestTime > 0) return 'cannot honour --max-request-time: the core does not see requests to time them out; drop one of the two'
  return undefined
}
