// Recycling: a process is replaced (see RollingRestart.replace) once it has served --max-requests, or when its
// private memory is over --memory-limit. Decided between requests, so a request is never cut short; a process
// that stays is the one that may leave for its out-of-band work (out-of-band.ts).
import type { AppProcess } from './app-process.js'
import type { RecycleReason } from './event-map.js'
import { batchWantsOob, wantsOob } from './out-of-band.js'
import type { TimerHandle, Timers } from './timers.js'

export function reachedMaxRequests (processed: number, maxRequests: number): boolean {
  return maxRequests > 0 && processed >= maxRequests
}

export interface RecyclerHost {
  maxRequests (): number
  /** --oob-work-every; 0: only when the app asks. */
  oobEvery (): number
  replace (p: AppProcess, reason: RecycleReason): void
  wantOob (p: AppProcess): void
}

/** What a ready process does after its requests ended: replaced at --max-requests, else its out-of-band work when due. */
export class Recycler {
  readonly #h: RecyclerHost

  constructor (host: RecyclerHost) { this.#h = host }

  /** One proxied request ended; `oobRequested`: its answer asked for out-of-band work (X-Ferry-OOB-Work). */
  afterRequest (p: AppProcess, oobRequested: boolean): void {
    if (p.state !== 'ready' || this.#replaced(p)) return
    if (wantsOob(p.processed, this.#h.oobEvery(), oobRequested)) this.#h.wantOob(p)
  }

  /** A process that accepts its clients itself reported a batch of counts, from `before` requests to p.processed. */
  afterBatch (p: AppProcess, before: number): void {
    if (p.state !== 'ready' || this.#replaced(p)) return
    if (batchWantsOob(before, p.processed, this.#h.oobEvery())) this.#h.wantOob(p)
  }

  /** Replaces `p` when it has served --max-requests; then it does no out-of-band work. */
  #replaced (p: AppProcess): boolean {
    if (!reachedMaxRequests(p.processed, this.#h.maxRequests())) return false
    this.#h.replace(p, 'max-requests')
    return true
  }
}

export interface MemoryCheckHost {
  readonly processes: readonly AppProcess[]
  /** Already waiting for its replacement: asked again, it goes as soon as another process is ready. */
  beingReplaced (p: AppProcess): boolean
  replace (p: AppProcess): void
  over (p: AppProcess, kb: number, limitKb: number): void
}

/** Measures each live process and has those over the limit replaced. */
export async function checkMemory (host: MemoryCheckHost, limitKb: number, measureKb: (pid: number) => Promise<number | undefined>): Promise<void> {
  for (const p of host.processes) {
    if (!p.live) continue
    if (host.beingReplaced(p)) { host.replace(p); continue }
    const kb = await measureKb(p.pid)
    if (kb !== undefined && kb > limitKb && p.live) {
      host.over(p, kb, limitKb)
      host.replace(p)
    }
  }
}

/** Runs checkMemory on the group's timers while a memory limit is set. */
export class MemoryWatch {
  readonly #timers: Timers
  readonly #host: MemoryCheckHost
  #timer: TimerHandle | undefined

  constructor (timers: Timers, host: MemoryCheckHost) {
    this.#timers = timers
    this.#host = host
  }

  /** (Re)starts the checks for these settings; `limitKb` 0 or no way to measure: none. */
  start (limitKb: number, measureKb: ((pid: number) => Promise<number | undefined>) | undefined, everyMs: number): void {
    this.stop()
    if (limitKb <= 0 || measureKb === undefined) return
    this.#timer = this.#timers.setInterval(() => { void checkMemory(this.#host, limitKb, measureKb) }, everyMs)
  }

  stop (): void {
    this.#timers.clear(this.#timer)
    this.#timer = undefined
  }
}
