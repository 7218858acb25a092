// How much of one app's output the log takes: a token bucket of bytes (--app-output-rate per second, up to
// --app-output-burst at once). Lines over the budget are dropped and counted, so an app printing without pause costs
// the log a bounded number of bytes per second, and whoever reads the log learns what is missing.
import type { OutputLimit } from '../pool/group-options.js'

export interface Dropped { readonly lines: number, readonly bytes: number, readonly sinceMs: number }

export class OutputBudget {
  readonly #now: () => number
  #tokens: number | undefined
  #refilledAt: number
  #droppedLines = 0
  #droppedBytes = 0
  #droppingSince = 0

  constructor (now: () => number = Date.now) {
    this.#now = now
    this.#refilledAt = now()
  }

  /** True when a line of this many bytes may be logged now (and takes them from the budget); false when dropped. */
  take (bytes: number, limit: OutputLimit | undefined): boolean {
    if (limit === undefined || limit.bytesPerSecond <= 0) return true
    const now = this.#now()
    const elapsed = Math.max(0, now - this.#refilledAt) / 1000
    this.#refilledAt = now
    this.#tokens = Math.min(limit.burstBytes, (this.#tokens ?? limit.burstBytes) + elapsed * limit.bytesPerSecond)
    if (bytes <= this.#tokens) { this.#tokens -= bytes; return true }
    if (this.#droppedLines === 0) this.#droppingSince = now
    this.#droppedLines++
    this.#droppedBytes += bytes
    return false
  }

  /** What was dropped since the last call (undefined when nothing was), and starts counting afresh. */
  takeDropped (): Dropped | undefined {
    if (this.#droppedLines === 0) return undefined
    const d = { lines: this.#droppedLines, bytes: this.#droppedBytes, sinceMs: this.#droppingSince }
    this.#droppedLines = 0
    this.#droppedBytes = 0
    return d
  }
}
