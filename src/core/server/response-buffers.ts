// What the core holds of app responses for clients slower than their apps, counted over every response at once
// (--response-buffer-budget). Each response is still read ahead only up to its own high watermark; this bounds what
// many slow clients take together. Past the budget, responses whose clients are behind stop being read from their
// apps (their app connections are paused, so the apps feel the backpressure) until held bytes drain.
//
// Only a response whose client is behind is counted (its socket refused more: the write returned false), so a client
// that keeps up costs nothing here; its count is dropped when its socket drains or closes.

/** A response paused for the budget: told when the budget has room again. */
export interface BudgetWaiter {
  resumeIfAllowed (): void
}

/**
 * What each response may hold whatever the budget: a client that keeps up is never held back by slow ones. So the
 * bound is the budget plus this much (and one read from its app) per response in progress.
 */
export const OWN_SHARE = 64 * 1024

export class ResponseBuffers {
  /** Bytes of responses written to clients that have not taken them yet. */
  held = 0
  /** 0: no budget. */
  readonly budget: number
  readonly #waiting = new Set<BudgetWaiter>()

  constructor (budget: number) { this.budget = budget }

  /** True when responses whose clients are behind should stop reading from their apps. */
  get exhausted (): boolean { return this.budget > 0 && this.held >= this.budget }

  /** App connections paused for the budget now. */
  get waiting (): number { return this.#waiting.size }

  change (delta: number): void {
    this.held += delta
    if (delta < 0 && this.#waiting.size > 0 && !this.exhausted) this.#wake()
  }

  wait (w: BudgetWaiter): void { this.#waiting.add(w) }

  forget (w: BudgetWaiter): void { this.#waiting.delete(w) }

  // Every waiter is told: each reads at most one more chunk before it looks at the budget again, so the overshoot is
  // one read per response, and no response is starved by another that happened to be first in line.
  #wake (): void {
    const waiters = [...this.#waiting]
    this.#waiting.clear()
    for (const w of waiters) w.resumeIfAllowed()
  }
}
