// Retired processes kept only for their tunnels (WebSockets): each is stopped at the latest after the drain time
// (--websocket-drain-time), which closes them, and the pool bounds how many are kept (see Pool.mayKeepForTunnels).
import type { AppProcess } from './app-process.js'
import type { TimerHandle, Timers } from './timers.js'

/** --websocket-drain-time's default: long enough for most sessions to end on their own, short enough for a deploy. */
export const DEFAULT_TUNNEL_DRAIN_MS = 300_000

export interface TunnelDrainHost {
  readonly timers: Timers
  drainMs (): number
  /** Whether one more process may be kept for its tunnels; absent: always. */
  readonly mayKeep?: () => boolean
  stop (p: AppProcess): void
  emit (p: AppProcess, phase: 'waiting' | 'closing'): void
}

export class TunnelDrains {
  /** Oldest first, each with the timer that ends its drain. */
  readonly #kept = new Map<AppProcess, TimerHandle>()
  readonly #h: TunnelDrainHost

  constructor (host: TunnelDrainHost) { this.#h = host }

  /**
   * Keeps a retired process whose requests are done for its tunnels. Returns true when it is kept (so it gives its
   * room in the pool back), false when it already was, or was stopped at once because too many are kept.
   */
  keep (p: AppProcess): boolean {
    if (this.#kept.has(p)) return false
    if (this.#h.mayKeep?.() === false) {
      // Too many kept for tunnels (this one counted): this group's oldest one goes now, closing its tunnels, or else this one.
      const oldest = this.#kept.keys().next().value as AppProcess | undefined
      if (oldest === undefined) { this.end(p); return false }
      this.end(oldest)
    }
    this.#kept.set(p, this.#h.timers.setTimeout(() => { if (p.state !== 'dead') this.end(p) }, this.#h.drainMs()))
    this.#h.emit(p, 'waiting')
    return true
  }

  /** A process kept for its tunnels stops now, which closes them. */
  end (p: AppProcess): void {
    this.forget(p)
    this.#h.emit(p, 'closing')
    this.#h.stop(p)
  }

  /** The process exited: its drain timer goes. */
  forget (p: AppProcess): void {
    this.#h.timers.clear(this.#kept.get(p))
    this.#kept.delete(p)
  }
}
