// Out-of-band work (Passenger's OOB work): a process that asks for it (X-Ferry-OOB-Work), or has served
// --oob-work-every requests, leaves rotation, does its work once its requests are done, and comes back. At most
// --max-oob-work-instances are away at once, and never the one process left serving.
import type { AppProcess } from './app-process.js'
import type { OobPhase } from './event-map.js'

const DEFAULT_OOB_TIMEOUT_MS = 60_000

export interface OutOfBandHost {
  readonly processes: readonly AppProcess[]
  liveCount (): number
  maxOob (): number
  timeoutMs (): number | undefined
  emit (p: AppProcess, phase: OobPhase): void
  /** The process is ready again: requests waiting for it, or for any, may have it. */
  backInRotation (p: AppProcess): void
}

/** Whether a request just finished on a ready process asks for out-of-band work (the app asked, or every N requests). */
export function wantsOob (processed: number, every: number, requested: boolean): boolean {
  return requested || (every > 0 && processed % every === 0)
}

/**
 * Whether a batch of counts from a process that accepts its clients itself (bypass mode) asks for out-of-band work:
 * its requests are counted in batches, so the work is due when the batch crossed a multiple of --oob-work-every.
 */
export function batchWantsOob (before: number, processed: number, every: number): boolean {
  return every > 0 && Math.floor(processed / every) > Math.floor(before / every)
}

export class OutOfBand {
  readonly #h: OutOfBandHost

  constructor (host: OutOfBandHost) { this.#h = host }

  want (p: AppProcess): void {
    if (!p.supportsOob) return
    p.oobWanted = true
    this.start()
  }

  /** Takes processes that want out-of-band work out of rotation, at most maxOob at a time. */
  start (): void {
    const processes = this.#h.processes
    const max = this.#h.maxOob()
    let out = 0
    for (const p of processes) if (p.state === 'oob') out++
    for (const p of processes) {
      if (out >= max) return
      if (!p.oobWanted || p.state !== 'ready') continue
      // Visitors must not meet a pause: another process keeps serving, unless the app has only this one.
      const others = processes.some(q => q !== p && q.state === 'ready')
      if (!others && this.#h.liveCount() > 1) continue
      p.oobWanted = false
      p.state = 'oob'
      out++
      // A process that accepts its clients itself stops accepting and waits for its own requests (preload-bypass.cjs).
      if (p.sessions === 0 || p.acceptsItself) void this.run(p)
    }
  }

  /** Has a process out of rotation do its work (once its last request is done), then brings it back. */
  async run (p: AppProcess): Promise<void> {
    if (p.oobRunning) return
    p.oobRunning = true
    this.#h.emit(p, 'start')
    const result = await p.oobWork(this.#h.timeoutMs() ?? DEFAULT_OOB_TIMEOUT_MS)
    p.oobRunning = false
    this.#h.emit(p, result === 'skipped' ? 'skipped' : result ? 'done' : 'timeout')
    if (p.state !== 'oob') return
    p.state = 'ready'
    this.#h.backInRotation(p)
    this.start()
  }
}
