// How a request leaves a group's queue early (its client went away): what Group.acquire() needs of a cancellation.
// An AbortSignal has it; QueueLeave is the light one the front gives every queued request, because an
// AbortController (an EventTarget) plus its listener cost about 10-20 µs of the core's CPU per request, and at
// --concurrency 1 under load most requests wait in the queue.

export interface QueueCancel {
  readonly reason: unknown
  addEventListener (type: 'abort', listener: () => void, options: { once: true }): void
}

/** Called once at most: the group's listener runs when leave() is, never after. */
export class QueueLeave implements QueueCancel {
  reason: unknown
  #listener: (() => void) | undefined
  #left = false

  addEventListener (_type: 'abort', listener: () => void): void {
    if (this.#left) listener()
    else this.#listener = listener
  }

  leave (reason: unknown): void {
    if (this.#left) return
    this.#left = true
    this.reason = reason
    const listener = this.#listener
    this.#listener = undefined
    listener?.()
  }
}
