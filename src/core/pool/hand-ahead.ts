// Hand-ahead: a process that serves one request at a time (Python and Ruby apps, --concurrency 1) is given the next
// waiting request while it still serves one, so that it never idles for a round trip through the core between two
// requests (its loader reads the next one as soon as it has answered). This is what makes nginx in front of puma
// fast: nginx sends every waiting request over its keep-alive connections and a worker finds the next one queued.
//
// Passenger's rules are kept: the group calls this only for a request that would otherwise wait in the core's queue
// (no process free, and the group cannot grow), so growth still follows the requests actually executing; a process
// holds at most one request ahead; and a request is never put behind one that has already run HAND_AHEAD_LIMIT_MS,
// the likely slow one, so that it is not held there while another process frees up. pickHandAhead is pure, tested
// with plain records; HandAhead asks it on the group's behalf, with the group's state (test/unit/pool/hand-ahead-group).
import type { AppProcess } from './app-process.js'

/** Service times of the apps this is for are well under this; a request that has run longer is probably slow. */
export const HAND_AHEAD_LIMIT_MS = 20

export interface HandAheadCandidate {
  readonly state: string
  readonly sessions: number
  readonly concurrency: number
  /** When the process checked out or finished its last request: the start of the one it executes, when it has one. */
  readonly lastUsed: number
  /** Requests it has completed. */
  readonly processed: number
}

/**
 * The process to hand the next request to, or undefined (it waits in the core's queue). Among processes that
 * execute exactly one request that began less than HAND_AHEAD_LIMIT_MS ago, the one whose request began first: the
 * likeliest to finish first. Not one whose request is its last under --max-requests (`maxRequests`, 0 = none): it is
 * replaced after it, and a request handed ahead would be one more than the limit allows.
 */
export function pickHandAhead<T extends HandAheadCandidate> (candidates: readonly T[], now: number, maxRequests = 0): T | undefined {
  let best: T | undefined
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!
    if (c.state !== 'ready' || c.concurrency !== 1 || c.sessions !== 1) continue
    if (maxRequests > 0 && c.processed + 1 >= maxRequests) continue
    if (now - c.lastUsed >= HAND_AHEAD_LIMIT_MS) continue
    if (best === undefined || c.lastUsed < best.lastUsed) best = c
  }
  return best
}

/** What HandAhead needs of its group; read at each call, as a reconfigure may change the options. */
export interface HandAheadHost {
  readonly processes: readonly AppProcess[]
  /** --hand-ahead */
  enabled (): boolean
  /** How many requests one of the loader's processes executes at once, as the loader says (undefined: unlimited). */
  loaderConcurrency (): number | undefined
  maxRequests (): number
  spawning (): number
  mayGrow (): boolean
  now (): number
}

export class HandAhead {
  readonly #h: HandAheadHost

  constructor (host: HandAheadHost) { this.#h = host }

  /**
   * A busy process to give a request that would wait in the queue, while it finishes its current one. Only where the
   * loader itself serves one request at a time (Python, Ruby: a Node app at --concurrency 1 would run a second at
   * once), and only when the group will not grow instead: growth follows the requests actually executing.
   */
  target (): AppProcess | undefined {
    const h = this.#h
    if (!h.enabled() || h.loaderConcurrency() !== 1 || h.spawning() > 0 || h.mayGrow()) return undefined
    return pickHandAhead(h.processes, h.now(), h.maxRequests())
  }

  /**
   * For a request no process is free for, before it joins the queue: a process to hand it to, when the caller lets
   * it wait at one (a request safe to send again), it has no sticky cookie (that one waits for its own process), and
   * no request is queued before it (first in, first out).
   */
  forNewRequest (mayWaitAtProcess: boolean, stickyId: string | undefined, queued: number): AppProcess | undefined {
    return mayWaitAtProcess && stickyId === undefined && queued === 0 ? this.target() : undefined
  }

  /**
   * A process found stuck in a request: whether it must be killed now rather than once its requests end. A loader
   * that executes one request at a time will never begin those handed ahead to it; killed, they go to another
   * process (the proxy sends them on) instead of waiting.
   */
  strandsHandedAhead (p: AppProcess): boolean {
    return p.sessions > 1 && this.#h.loaderConcurrency() === 1
  }
}
