// Sticky sessions: a request whose cookie names a live process that is full waits for that process, not for any,
// so that the session it holds in memory stays with it (the balancer, balancer.ts, picks it while it has room).
// Such waiters are kept on their process; this counts them (they count against --max-request-queue-size as the
// queue does) and hands the process to them as it frees up, or, once it will not serve again, moves them to the queue.
import type { AppProcess } from './app-process.js'
import type { Waiter, WaitQueue } from './wait-queue.js'

export class StickyWaits {
  /** Requests waiting for the process their sticky cookie names. */
  count = 0
  readonly #queue: WaitQueue<AppProcess>
  readonly #now: () => number

  constructor (queue: WaitQueue<AppProcess>, now: () => number) {
    this.#queue = queue
    this.#now = now
  }

  add (p: AppProcess, w: Waiter<AppProcess>): void {
    p.stickyWaiters.push(w)
    this.count++
  }

  /** Its client left: the waiter leaves from where it is (moved to the queue if its process went away, see serve()). */
  leave (p: AppProcess, w: Waiter<AppProcess>): void {
    if (p.stickyWaiters.includes(w)) { w.cancelled = true; this.count-- } else this.#queue.cancel(w)
  }

  /** Hands the process to the requests waiting for it by cookie; if it will not serve again, they wait for any. */
  serve (p: AppProcess): void {
    while (p.stickyWaiters.length > 0) {
      if (p.state === 'ready' && p.totallyBusy) return
      const w = p.stickyWaiters.shift()!
      if (w.cancelled) continue
      this.count--
      if (p.state === 'ready') {
        p.sessions++
        p.lastUsed = this.#now()
        w.cancelled = true
        w.resolve(p)
      } else if (p.state !== 'oob') {
        this.#queue.push(w)
      } else {
        p.stickyWaiters.unshift(w)
        this.count++
        return
      }
    }
  }

  /** The group takes no more requests: every request waiting for one of these processes gets `why`. */
  rejectAll (processes: readonly AppProcess[], why: unknown): void {
    for (const p of processes) {
      for (const w of p.stickyWaiters.splice(0)) if (!w.cancelled) w.reject(why)
    }
  }
}
