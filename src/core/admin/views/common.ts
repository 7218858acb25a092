// Small helpers shared by the pool views (text and XML).
import type { ProcessSnapshot } from '../../pool/snapshot.js'

const STATE_RANK: Record<ProcessSnapshot['state'], number> = { ready: 0, oob: 1, stopping: 2, dead: 3 }

/**
 * Processes in the order passenger-status lists them: serving ones first, then those away for out-of-band work, then those shutting down, then
 * dead ones; the pool's own order is kept within each state.
 */
export function orderProcesses (processes: readonly ProcessSnapshot[]): ProcessSnapshot[] {
  return processes
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (STATE_RANK[a.p.state] - STATE_RANK[b.p.state]) || (a.i - b.i))
    .map(x => x.p)
}
