// Connection balance for processes that accept their clients themselves (--bypass). The kernel gives each new
// connection to whichever process of the group accepts first, and a keep-alive connection stays where it landed, so
// a burst of connects can leave one process with most of them (wrk, 50 connections, 2 processes: 51-62% to one in
// 8 of 9 runs, 100% in one): its clients queue behind each other while the other process idles. Each process reports
// how many connections it holds (preload-bypass.cjs, coalesced, only when the number changed); a process over its
// fair share is told to shed the excess. It does so by answering the next request on that many connections with
// `Connection: close`, so no request is cut; their clients reconnect, and a process waiting in accept (an idle or a
// less busy one is more likely to be) takes them. The next reports show what is left, and so on until balanced.
// Processes still accept their clients themselves: nothing is handed through the core per connection.
import type { AppProcess } from './app-process.js'
import type { TimerHandle, Timers } from './timers.js'

/**
 * Reports that arrive together (every process of a burst reports about the same time) are weighed together: one
 * process's new count against another's stale one would overstate its excess.
 */
export const BALANCE_DELAY_MS = 10
/** The least time between two orders to one process: its clients need that long to reconnect and be reported. */
export const SHED_COOLDOWN_MS = 50
/**
 * An order that left the excess as it was (the others could not take the connections: busy, or about to stop) doubles
 * the process's cool-down, up to this: a process is not made to drop its clients over and over for nothing. One that
 * brought it down sets it back to SHED_COOLDOWN_MS.
 */
export const SHED_MAX_COOLDOWN_MS = 1_000

/** ceil(total / n): what each of n processes holds when the connections are dealt evenly. */
export function fairShare (total: number, n: number): number {
  return n > 0 ? Math.ceil(total / n) : total
}

/**
 * Over its share by this many or fewer, a process is left alone: an eighth of the share (at least 1), so wrk's 50
 * connections on 2 processes may stay up to 28/22. A process holding more keeps its clients' requests queued behind
 * each other: wrk's p99 was 3.9-22.7 ms in runs left at 15/35 to 20/30, 1.35-4.6 ms in runs held within this slack
 * (2026-12-01). An earlier slack of half the share was chosen when holding a group to within one connection seemed
 * to cost 10-15% of the requests/s; that cost was most likely the slow V8 state of keep-tick-shape.cjs
 * (docs/bypass.md). With it gone, this slack measured 1.00x PM2's requests/s in the bench, p99 2.35 ms against 3.26
 * ms for the wider one in the run before.
 */
export function shareSlack (share: number): number {
  return Math.max(1, Math.floor(share / 8))
}

/**
 * How many of its `open` connections a process should shed when `total` are open among the `n` processes that
 * accept: its excess over the fair share once that is beyond the slack; 0 otherwise, and always 0 with one process.
 */
export function excessConnections (open: number, total: number, n: number): number {
  if (n < 2) return 0
  const share = fairShare(total, n)
  return open > share + shareSlack(share) ? open - share : 0
}

export interface BalanceHost {
  readonly processes: readonly AppProcess[]
  readonly timers: Timers
  now (): number
}

interface Held {
  /** Open connections, as last reported. */
  open: number
  /**
   * When it was last told to shed (0 = not since it was last seen balanced), what the other processes held then,
   * and how long it waits now.
   */
  orderedAt: number
  othersThen: number
  cooldownMs: number
}

export class ConnectionBalance {
  readonly #h: BalanceHost
  readonly #held = new WeakMap<AppProcess, Held>()
  #timer: TimerHandle | undefined
  #due = Infinity

  constructor (host: BalanceHost) { this.#h = host }

  /** A process reported how many connections it holds: the group is weighed again shortly. */
  report (p: AppProcess, open: number): void {
    const held = this.#held.get(p)
    if (held === undefined) this.#held.set(p, { open, orderedAt: 0, othersThen: 0, cooldownMs: SHED_COOLDOWN_MS })
    else held.open = open
    this.#weighIn(BALANCE_DELAY_MS)
  }

  /**
   * Weighs the group again although no count changed: a process back from out-of-band work, or one that joined,
   * takes no share of connections that stay open unless the others are told to shed them. Called with each batch
   * of request counters (about once a second from a process that serves).
   */
  weighSoon (): void {
    this.#weighIn(BALANCE_DELAY_MS)
  }

  /** Processes that accept clients now: those away for out-of-band work or retired take none, and are not counted. */
  #accepting (): AppProcess[] {
    return this.#h.processes.filter(p => p.state === 'ready' && p.acceptsItself)
  }

  #weighIn (ms: number): void {
    const due = this.#h.now() + ms
    if (due >= this.#due) return
    this.#h.timers.clear(this.#timer)
    this.#due = due
    this.#timer = this.#h.timers.setTimeout(() => {
      this.#timer = undefined
      this.#due = Infinity
      this.#weigh()
    }, ms)
  }

  /** Tells each process over its share (and past its cool-down) to shed its excess; weighs again when one is due. */
  #weigh (): void {
    const accepting = this.#accepting()
    if (accepting.length < 2) return
    let total = 0
    for (const p of accepting) total += this.#held.get(p)?.open ?? 0
    const now = this.#h.now()
    let next = Infinity
    for (const p of accepting) {
      const held = this.#held.get(p)
      if (held === undefined) continue
      const excess = excessConnections(held.open, total, accepting.length)
      // Its last order moved some: the others took clients, so the next round may come soon. (Its own count says
      // nothing: it dips between the closes and the reconnects, wherever these land.)
      const others = total - held.open
      const worked = held.orderedAt !== 0 && others > held.othersThen
      const due = held.orderedAt + (worked ? SHED_COOLDOWN_MS : held.cooldownMs)
      if (excess === 0) {
        // Balanced once its last order has had its time: a later imbalance starts with the short cool-down.
        if (now >= due) { held.orderedAt = 0; held.cooldownMs = SHED_COOLDOWN_MS }
        continue
      }
      if (now < due) { next = Math.min(next, due - now); continue }
      held.cooldownMs = held.orderedAt === 0 || worked ? SHED_COOLDOWN_MS : Math.min(held.cooldownMs * 2, SHED_MAX_COOLDOWN_MS)
      held.orderedAt = now
      held.othersThen = others
      p.shedConnections(excess)
      next = Math.min(next, held.cooldownMs)
    }
    // Counts that stop changing send no reports: what is still over its share is looked at again when due.
    if (next !== Infinity) this.#weighIn(next)
  }
}
