// Idle reaping (--pool-idle-time): processes that served nothing for the idle time stop, down to --min-instances.
// idleToStop is pure; IdleReaper runs it on the group's timers and hands back what to stop.
import type { TimerHandle, Timers } from './timers.js'

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

export interface IdleReaperHost<T extends Reapable> {
  readonly processes: readonly T[]
  liveCount (): number
  minInstances (): number
  now (): number
  /** Stops an idle process. */
  stop (p: T): void
}

export class IdleReaper<T extends Reapable> {
  readonly #timers: Timers
  readonly #host: IdleReaperHost<T>
  #timer: TimerHandle | undefined

  constructor (timers: Timers, host: IdleReaperHost<T>) {
    this.#timers = timers
    this.#host = host
  }

  /** (Re)starts looking for idle processes; `idleTimeMs` 0: never. */
  start (idleTimeMs: number): void {
    this.stop()
    if (idleTimeMs > 0) this.#timer = this.#timers.setInterval(() => this.#reap(idleTimeMs), reapEvery(idleTimeMs))
  }

  stop (): void {
    this.#timers.clear(this.#timer)
    this.#timer = undefined
  }

  #reap (idleTimeMs: number): void {
    const h = this.#host
    for (const p of idleToStop(h.processes, h.liveCount(), h.minInstances(), idleTimeMs, h.now())) h.stop(p)
  }
}
