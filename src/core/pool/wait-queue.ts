// A bounded FIFO of requests waiting for a process. Entries are removed in O(1) from the head; a waiter whose
// client went away is marked cancelled and skipped rather than spliced out.

export interface Waiter<T> {
  readonly enqueuedAt: number
  resolve (value: T): void
  reject (err: unknown): void
  cancelled: boolean
  /** May be handed ahead to a busy process (pool/hand-ahead.ts) rather than wait here for a free one. */
  readonly mayWaitAtProcess?: boolean
}

export class WaitQueue<T> {
  #items: Array<Waiter<T> | undefined> = []
  #head = 0
  #live = 0

  get length (): number { return this.#live }

  push (waiter: Waiter<T>): void {
    this.#items.push(waiter)
    this.#live++
  }

  cancel (waiter: Waiter<T>): void {
    if (waiter.cancelled) return
    waiter.cancelled = true
    this.#live--
  }

  /** The next live waiter, left in the queue; undefined when none. */
  peek (): Waiter<T> | undefined {
    for (let i = this.#head; i < this.#items.length; i++) {
      const w = this.#items[i]
      if (w !== undefined && !w.cancelled) return w
    }
    return undefined
  }

  /** The next live waiter, or undefined. */
  shift (): Waiter<T> | undefined {
    while (this.#head < this.#items.length) {
      const w = this.#items[this.#head]!
      this.#items[this.#head++] = undefined
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head)
        this.#head = 0
      }
      if (!w.cancelled) { this.#live--; w.cancelled = true; return w }
    }
    return undefined
  }

  /** Oldest live wait, in ms, for views. */
  oldestAge (now: number): number {
    for (let i = this.#head; i < this.#items.length; i++) {
      const w = this.#items[i]
      if (w !== undefined && !w.cancelled) return now - w.enqueuedAt
    }
    return 0
  }

  rejectAll (err: unknown): void {
    for (let w = this.shift(); w !== undefined; w = this.shift()) w.reject(err)
  }
}
