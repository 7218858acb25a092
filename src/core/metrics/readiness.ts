// What /readyz answers: whether every app this core serves could take a request now. Pure: a function of one pool
// snapshot, so the rule is unit-tested without processes.
import type { GroupSnapshot, PoolSnapshot } from '../pool/snapshot.js'

export interface Readiness {
  readonly ready: boolean
  /** One line: "ready", or why not (the first app that is not, and how many more). */
  readonly reason: string
}

/** Longest spawn error quoted in a reason: the line is for a probe's log, not for the whole stack trace. */
const MAX_ERROR_CHARS = 200

/**
 * Why an app cannot take a request now, or undefined when it can. A process doing out-of-band work (oob) counts
 * as ready: it returns to rotation by itself, and a probe must not flap on it. An app with --min-instances 0 and no
 * process is ready as long as its last spawn did not fail: it is started on its first request.
 */
function appNotReady (g: GroupSnapshot): string | undefined {
  if (g.processes.some(p => p.state === 'ready' || p.state === 'oob')) return undefined
  const error = g.last_spawn_error
  if (error !== null) {
    const short = error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS)}…` : error
    return `${g.name} cannot start a process: ${short.replace(/\s+/g, ' ')}`
  }
  if (g.min_instances === 0 && g.spawning === 0) return undefined
  return g.spawning > 0 ? `${g.name} is starting its first process` : `${g.name} has no ready process`
}

export function readiness (pool: PoolSnapshot, stopping: boolean): Readiness {
  if (stopping) return { ready: false, reason: 'shutting down' }
  const problems: string[] = []
  for (const g of pool.groups) {
    const why = appNotReady(g)
    if (why !== undefined) problems.push(why)
  }
  if (problems.length === 0) return { ready: true, reason: 'ready' }
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more app${problems.length > 2 ? 's' : ''} not ready)` : ''
  return { ready: false, reason: `${problems[0]!}${more}` }
}
