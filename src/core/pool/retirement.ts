// How a retired process (state 'stopping': a restart, recycling, detach, a stuck process) goes: once its requests
// are done, it stops at once, or, when it still carries tunnels, is kept for them at most the drain time
// (tunnel-drain.ts); a stuck one is killed rather than asked to stop. A process that accepts its clients itself
// (--bypass) is stopped at once whatever it serves: only it can stop its intake, and its stop() drains its own
// requests (preload-bypass.cjs); the core never sees them end.
import type { AppProcess } from './app-process.js'
import type { Timers } from './timers.js'
import { DEFAULT_TUNNEL_DRAIN_MS, TunnelDrains } from './tunnel-drain.js'

export interface RetirementHost {
  readonly timers: Timers
  /** --websocket-drain-time; undefined: DEFAULT_TUNNEL_DRAIN_MS. */
  drainMs (): number | undefined
  /** Whether one more process may be kept for its tunnels; absent: always. */
  readonly mayKeep?: () => boolean
  /** How long a stopping process may take after SIGTERM before SIGKILL. */
  graceMs (): number | undefined
  emit (p: AppProcess, phase: 'waiting' | 'closing'): void
  /** A process kept only for its tunnels gave its room in the pool back. */
  roomFreed (): void
}

export class Retirement {
  readonly #h: RetirementHost
  readonly #drains: TunnelDrains

  constructor (host: RetirementHost) {
    this.#h = host
    this.#drains = new TunnelDrains({
      timers: host.timers,
      drainMs: () => host.drainMs() ?? DEFAULT_TUNNEL_DRAIN_MS,
      mayKeep: host.mayKeep,
      stop: p => this.stop(p),
      emit: host.emit
    })
  }

  /** `p` was just retired: it goes now when nothing it serves holds it (or it drains its own requests). */
  retired (p: AppProcess): void {
    if (p.sessions === 0 || p.acceptsItself) this.done(p)
  }

  /**
   * A retired process whose requests are done: it stops now, or, when it still carries tunnels, at the latest after
   * the drain time. Meanwhile it no longer counts against the pool (see AppProcess.onlyTunnelsLeft), so its
   * replacement starts at once and a restart never waits for long-lived connections.
   */
  done (p: AppProcess): void {
    if (p.tunnels === 0 || p.killWhenIdle) { this.stop(p); return }
    // Later, as when a process exits: the caller (a rolling restart retiring one ahead) finishes its bookkeeping first.
    if (this.#drains.keep(p)) queueMicrotask(() => this.#h.roomFreed())
  }

  /** A tunnel on `p` closed: a retired process goes once its last request and tunnel have. */
  tunnelClosed (p: AppProcess): void {
    if (p.state === 'stopping' && p.sessions === 0 && p.tunnels === 0) this.stop(p)
  }

  /** The process exited: nothing is kept for it any more. */
  exited (p: AppProcess): void { this.#drains.forget(p) }

  /** Stops it: killed when it is known to be stuck (killWhenIdle), else asked to stop within the grace time. */
  stop (p: AppProcess): void {
    if (p.killWhenIdle) p.kill()
    else void p.stop(this.#h.graceMs())
  }
}
