// A clock and timers that move only when a test says so: the group's timed policies (back-off, idle reaping,
// memory checks, tunnel drains) are driven through Pool's `now` and `timers` seams with no real waiting.
import type { Loader } from '../../src/core/spawn/loader.js'
import type { TimerHandle, Timers } from '../../src/core/pool/timers.js'
import { Pool } from '../../src/core/pool/pool.js'

interface Pending { readonly due: number, readonly every: number, readonly fn: () => void, readonly seq: number }

/** Lets every promise chain started so far run to its end (a macrotask comes after all microtasks). */
export const settle = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

export class FakeClock {
  ms: number
  readonly #pending = new Map<TimerHandle, Pending>()
  #seq = 0
  readonly now = (): number => this.ms
  readonly timers: Timers = {
    setTimeout: (fn, ms) => this.#add(fn, ms, 0),
    setInterval: (fn, ms) => this.#add(fn, ms, Math.max(1, ms)),
    clear: handle => { if (handle !== undefined) this.#pending.delete(handle) }
  }

  constructor (startMs = 1_000_000) { this.ms = startMs }

  /** Timers set and not yet run or cleared. */
  get pending (): number { return this.#pending.size }

  /** Moves time on by `ms`, running each timer that falls due in order (at its own time), settling after each. */
  async advance (ms: number): Promise<void> {
    const until = this.ms + ms
    await settle()
    for (;;) {
      let next: [TimerHandle, Pending] | undefined
      for (const e of this.#pending) {
        if (e[1].due <= until && (next === undefined || e[1].due < next[1].due || (e[1].due === next[1].due && e[1].seq < next[1].seq))) next = e
      }
      if (next === undefined) break
      const [handle, t] = next
      this.ms = Math.max(this.ms, t.due)
      if (t.every > 0) this.#pending.set(handle, { ...t, due: t.due + t.every, seq: this.#seq++ })
      else this.#pending.delete(handle)
      t.fn()
      await settle()
    }
    this.ms = until
  }

  #add (fn: () => void, ms: number, every: number): TimerHandle {
    const handle = {}
    this.#pending.set(handle, { due: this.ms + Math.max(0, ms), every, fn, seq: this.#seq++ })
    return handle
  }
}

/** A pool on the fake clock, with the same loader for every app type. */
export function poolOnClock (clock: FakeClock, loader: Loader, maxPoolSize = 6): Pool {
  return new Pool({ maxPoolSize, loaders: { node: loader, generic: loader, python: loader, ruby: loader }, now: clock.now, timers: clock.timers })
}
