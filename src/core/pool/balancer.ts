// Picks the process for the next request: the one a sticky cookie names, else the least busy ready one with a free
// slot, ties to the oldest (the earliest in the list). Never round-robin into a busy process. Pure, so its rules are
// tested with tables of plain records.

export interface Candidate {
  readonly state: string
  readonly sessions: number
  /** 0 = unlimited. */
  readonly concurrency: number
  /** Open tunnels (WebSockets): no request slot, but work for the process, so they spread new ones out. */
  readonly tunnels?: number
}

export function pickLeastBusy<T extends Candidate> (candidates: readonly T[]): T | undefined {
  let best: T | undefined
  let bestScore = Infinity
  let bestTunnels = Infinity
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!
    if (c.state !== 'ready') continue
    if (c.concurrency > 0 && c.sessions >= c.concurrency) continue
    // Bounded processes rank by how full they are, unlimited ones by how many requests and tunnels they hold.
    // Among equals, fewer tunnels first: otherwise every WebSocket of a quiet app would land on its oldest process.
    const tunnels = c.tunnels ?? 0
    const score = c.concurrency > 0 ? c.sessions / c.concurrency : c.sessions + tunnels
    if (score < bestScore || (score === bestScore && tunnels < bestTunnels)) { best = c; bestScore = score; bestTunnels = tunnels }
  }
  return best
}

export interface StickyCandidate extends Candidate {
  /** The value of the sticky-sessions cookie that names it. */
  readonly stickyId: string
}

/** The candidate a sticky cookie names while it lives (ready, or away for out-of-band work), if any. */
export function stickyTarget<T extends StickyCandidate> (candidates: readonly T[], stickyId: string): T | undefined {
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!
    if (c.stickyId === stickyId && (c.state === 'ready' || c.state === 'oob')) return c
  }
  return undefined
}

/**
 * The process for the next request. With a sticky cookie naming a live process: that one when it has a free slot,
 * else none, so the caller waits for it rather than breaking the session. Otherwise the least busy.
 */
export function pickProcess<T extends StickyCandidate> (candidates: readonly T[], stickyId: string | undefined): T | undefined {
  if (stickyId !== undefined) {
    const named = stickyTarget(candidates, stickyId)
    if (named !== undefined) {
      const full = named.concurrency > 0 && named.sessions >= named.concurrency
      return named.state === 'ready' && !full ? named : undefined
    }
  }
  return pickLeastBusy(candidates)
}
