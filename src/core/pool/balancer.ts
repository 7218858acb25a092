// Picks the process for the next request: the least busy ready one with a free slot, ties to the oldest (the
// earliest in the list). Never round-robin into a busy process. Pure, so its rules are tested with tables of
// plain records.

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
