// Request collapsing: while one miss for a cache key is at the app (the leader's), other misses for the same key wait
// for its answer instead of sending the app the same request again. When the answer is stored, they are served from
// the store (each with its own Age, HEAD without a body); when it is not (uncacheable, too large, failed, the leader's
// client went away), each goes on to the app itself: a follower never gets an error because its leader failed.
//
// Bounded: waiters per key and in total (past either, a miss simply goes to the app), and a key whose answer turned
// out not to be storable is remembered for a while (a bounded list), so concurrent requests for an uncacheable page
// do not queue behind one another (Varnish's hit-for-miss).
import type { ResponseSink } from './exchange-types.js'

/** Waiting requests for one key, at most (the rest go to the app). */
export const MAX_WAITERS_PER_KEY = 1000
/** Waiting requests for all keys of one cache together, at most. */
export const MAX_WAITERS = 10_000
/** How long a key whose response was not storable goes uncollapsed. */
export const UNCOLLAPSED_MS = 10_000
/**
 * How long requests wait for a leader, at most (from the first one's arrival): then they go to the app themselves,
 * as nginx's proxy_cache_lock_timeout (5 s there too). A leader whose process is stuck, or whose cacheable body
 * trickles for ever, must not hold every other client of the URL with it.
 */
export const FOLLOW_TIMEOUT_MS = 5_000
/** Keys remembered as not storable, at most (oldest forgotten first). */
const MAX_UNCOLLAPSED = 10_000

/** `stored`: the leader's answer is in the store; else the follower goes to the app. */
type Resume = (stored: boolean) => void

interface Waiter {
  readonly res: ResponseSink
  readonly resume: Resume
  readonly onClose: () => void
}

/** One leader's miss in flight, and the requests waiting for it. */
export class Fill {
  readonly key: string
  readonly #fills: Fills
  #waiters: Waiter[] | undefined
  #settled = false
  /** Releases the waiters after FOLLOW_TIMEOUT_MS; set when the first one parks. */
  #timer: NodeJS.Timeout | undefined

  constructor (fills: Fills, key: string) {
    this.#fills = fills
    this.key = key
  }

  /** Whether one more request may wait for this fill (bounded per key and in total). */
  get hasRoom (): boolean {
    return !this.#settled && (this.#waiters?.length ?? 0) < MAX_WAITERS_PER_KEY && this.#fills.waiting < MAX_WAITERS
  }

  /** Parks a request until settle(); a client that disconnects meanwhile is simply dropped. */
  wait (res: ResponseSink, resume: Resume): void {
    const waiters = this.#waiters ??= []
    const w: Waiter = {
      res,
      resume,
      onClose: () => {
        const i = waiters.indexOf(w)
        if (i === -1) return
        waiters.splice(i, 1)
        this.#fills.waiting--
      }
    }
    waiters.push(w)
    this.#fills.waiting++
    res.once('close', w.onClose)
    // Not stored as far as they know: they go to the app, the leader's answer may still be stored after them.
    this.#timer ??= setTimeout(() => this.settle(false), FOLLOW_TIMEOUT_MS).unref()
  }

  /**
   * The leader's miss is over (once; later calls do nothing): `stored` says whether its answer is in the store.
   * `uncacheable`: the app's answer could not be stored, so misses for the key are not collapsed for a while.
   */
  settle (stored: boolean, uncacheable = false): void {
    if (this.#settled) return
    this.#settled = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#fills.end(this, uncacheable)
    const waiters = this.#waiters
    if (waiters === undefined) return
    this.#waiters = undefined
    this.#fills.waiting -= waiters.length
    for (const w of waiters) {
      w.res.off('close', w.onClose)
      if (!w.res.destroyed) w.resume(stored)
    }
  }
}

/** The fills in flight for one cache, by key. */
export class Fills {
  readonly #byKey = new Map<string, Fill>()
  /** Keys whose last answer could not be stored → until when (ms) their misses are not collapsed. */
  readonly #uncollapsed = new Map<string, number>()
  readonly #now: () => number
  /** Requests waiting on any fill. */
  waiting = 0

  constructor (now: () => number) { this.#now = now }

  /** The leader's fill in flight for `key`, if any. */
  inFlight (key: string): Fill | undefined { return this.#byKey.size === 0 ? undefined : this.#byKey.get(key) }

  /**
   * Whether the last answer for `key` could not be stored, less than UNCOLLAPSED_MS ago: a miss for it then goes to
   * the app unrecorded (Varnish's hit-for-pass), since recording an answer that will be refused again costs every
   * request of an uncacheable page. The mark ends by itself: the first miss after it is recorded, and leads.
   * `now`: the caller's reading of this cache's clock, when it has one (one reading per request).
   */
  passes (key: string, now?: number): boolean {
    if (this.#uncollapsed.size === 0) return false
    const until = this.#uncollapsed.get(key)
    return until !== undefined && until > (now ?? this.#now())
  }

  /**
   * A fill for a new leader's miss, or undefined when misses for `key` are not collapsed (see UNCOLLAPSED_MS), unless
   * `always` (a background revalidation: its fill is what keeps it one per key).
   */
  lead (key: string, always = false, now?: number): Fill | undefined {
    if (!always && this.#uncollapsed.size > 0) {
      if (this.passes(key, now)) return undefined
      this.#uncollapsed.delete(key) // an ended mark, if any
    }
    const fill = new Fill(this, key)
    this.#byKey.set(key, fill)
    return fill
  }

  /** Called by Fill.settle. */
  end (fill: Fill, uncacheable: boolean): void {
    if (this.#byKey.get(fill.key) === fill) this.#byKey.delete(fill.key)
    if (!uncacheable) return
    const marks = this.#uncollapsed
    marks.delete(fill.key)
    if (marks.size >= MAX_UNCOLLAPSED) marks.delete(marks.keys().next().value as string)
    marks.set(fill.key, this.#now() + UNCOLLAPSED_MS)
  }
}
