// Picks the process for the next request: the least busy ready one with a free slot, ties to the oldest (the
// earliest in the list). Never round-robin into a busy process. Pure, so its rules are tested with tables of
// plain records.

export interface Candidate {
  readonly state: string
  readonly sessions: number
  /** 0 = unlimited. */
  readonly concurrency: number
}

export function pickLeastBusy<T extends Candidate> (candidates: readonly T[]): T | undefined {
  let best: T | undefined
  let bestScore = Infinity
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!
    if (c.state !== 'ready') continue
    if (c.concurrency > 0 && c.sessions >= c.concurrency) continue
    // Bounded processes rank by how full they are, unlimited ones by how many requests they hold.
    const score = c.concurrency > 0 ? c.sessions / c.concurrency : c.sessions
    if (score < bestScore) { best = c; bestScore = score }
  }
  return best
}
