// Idle reaping (--pool-idle-time): processes that served nothing for the idle time stop, down to --min-instances.
// Pure; the group runs it on a timer and stops what it returns.

/** What the reaper needs to know of a process. */
export interface Reapable {
  readonly state: string
  readonly sessions: number
  readonly tunnels: number
  readonly lastUsed: number
}

/** How often idle processes are looked for: half the idle time, within 250 ms .. 10 s. */
export function reapEvery (idleTimeMs: number): number {
  return Math.max(250, Math.min(idleTimeMs / 2, 10_000))
}

/** The processes to stop, first ones first, keeping at least `minInstances` of the `live` ones. */
export function idleToStop<T extends Reapable> (processes: readonly T[], live: number, minInstances: number, idleTimeMs: number, now: number): T[] {
  const stop: T[] = []
  for (const p of processes) {
    if (live <= minInstances) break
    // An open tunnel (a WebSocket) is use, however quiet.
    if (p.state !== 'ready' || p.sessions > 0 || p.tunnels > 0 || now - p.lastUsed < idleTimeMs) continue
    stop.push(p)
    live--
  }
  return stop
}
