// Hand-ahead: a process that serves one request at a time (Python and Ruby apps, --concurrency 1) is given the next
// waiting request while it still serves one, so that it never idles for a round trip through the core between two
// requests (its loader reads the next one as soon as it has answered). This is what makes nginx in front of puma
// fast: nginx sends every waiting request over its keep-alive connections and a worker finds the next one queued.
//
// Passenger's rules are kept: the group calls this only for a request that would otherwise wait in the core's queue
// (no process free, and the group cannot grow), so growth still follows the requests actually executing; a process
// holds at most one request ahead; and a request is never put behind one that has already run HAND_AHEAD_LIMIT_MS,
// the likely slow one, so that it is not held there while another process frees up. Pure, tested with plain records.

/** Service times of the apps this is for are well under this; a request that has run longer is probably slow. */
export const HAND_AHEAD_LIMIT_MS = 20

export interface HandAheadCandidate {
  readonly state: string
  readonly sessions: number
  readonly concurrency: number
  /** When the process checked out or finished its last request: the start of the one it executes, when it has one. */
  readonly lastUsed: number
  /** Requests it has completed. */
  readonly processed: number
}

/**
 * The process to hand the next request to, or undefined (it waits in the core's queue). Among processes that
 * execute exactly one request that began less than HAND_AHEAD_LIMIT_MS ago, the one whose request began first: the
 * likeliest to finish first. Not one whose request is its last under --max-requests (`maxRequests`, 0 = none): it is
 * replaced after it, and a request handed ahead would be one more than the limit allows.
 */
export function pickHandAhead<T extends HandAheadCandidate> (candidates: readonly T[], now: number, maxRequests = 0): T | undefined {
  let best: T | undefined
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!
    if (c.state !== 'ready' || c.concurrency !== 1 || c.sessions !== 1) continue
    if (maxRequests > 0 && c.processed + 1 >= maxRequests) continue
    if (now - c.lastUsed >= HAND_AHEAD_LIMIT_MS) continue
    if (best === undefined || c.lastUsed < best.lastUsed) best = c
  }
  return best
}
