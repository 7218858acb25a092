// Back-off after failed starts (spawn errors and early deaths): 250 ms after the first, doubling up to 30 s, so a
// crash loop costs little CPU while a one-off failure is retried at once. A good run or a restart starts it afresh.
import type { FerryError } from '../errors.js'
import type { TimerHandle, Timers } from './timers.js'

/** A process that dies sooner than this after starting counts as a failed start for the back-off. */
export const EARLY_DEATH_MS = 10_000
/**
 * A process that has been up this long and answered at least one request proves the app starts and serves: the
 * back-off starts again from its first step (250 ms) for whatever fails next, instead of where an old crash loop
 * left it (30 s). Half of EARLY_DEATH_MS: past start-up and its first requests, which is where crash loops die, and
 * soon enough that a crash loop fixed a few seconds ago does not turn one early death into a 30 s outage.
 */
export const GOOD_RUN_MS = 5_000
export const MAX_BACKOFF_MS = 30_000

/** What the back-off needs to know of a process. */
export interface Run { readonly spawnedAt: number, readonly processed: number }

/** The wait after `failures` consecutive failed starts. */
export function backoffDelay (failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 250 * 2 ** (failures - 1))
}

export function hadGoodRun (p: Run, now: number): boolean {
  return p.processed > 0 && now - p.spawnedAt >= GOOD_RUN_MS
}

export function diedEarly (p: Run, now: number): boolean {
  return now - p.spawnedAt < EARLY_DEATH_MS
}

export class Backoff {
  /** Consecutive failed starts (spawn errors and early deaths); resets on a good start. */
  failures = 0
  /** No start before this (ms since the epoch). */
  until = 0
  lastError: FerryError | undefined
  readonly #timers: Timers
  #retry: TimerHandle | undefined

  constructor (timers: Timers) { this.#timers = timers }

  /**
   * One more failed start. When one of the `live` processes has had a good run, the app proved good since the last
   * failure: the count starts again first.
   */
  record (err: FerryError, now: number, live: readonly Run[]): void {
    if (live.some(p => hadGoodRun(p, now))) this.failures = 0
    this.failures++
    this.lastError = err
    this.until = now + backoffDelay(this.failures)
  }

  /**
   * A process exited (`unexpected`: it was not asked to). Returns true when that counts as a failed start: an
   * unexpected death soon after starting. A good run, or a death after a long life, starts the count again.
   */
  exited (p: Run, now: number, unexpected: boolean): boolean {
    if (hadGoodRun(p, now)) this.failures = 0
    if (!unexpected) return false
    if (diedEarly(p, now)) return true
    this.failures = 0
    return false
  }

  /**
   * The error a request gets at once, rather than wait in the queue, while the app crash-loops: no process runs or
   * starts (`capacity` 0), and the back-off after the last failed start is not over.
   */
  refusal (capacity: number, now: number): FerryError | undefined {
    return this.lastError !== undefined && capacity === 0 && this.until > now ? this.lastError : undefined
  }

  /** Whether a start now must wait for the back-off; if so, `fn` is called once it is over. */
  defers (now: number, fn: () => void): boolean {
    const wait = this.until - now
    if (wait <= 0) return false
    this.retryAfter(wait, fn)
    return true
  }

  /** Calls `fn` after `waitMs`, unless a retry is already planned: a group has one, whoever asked first. */
  retryAfter (waitMs: number, fn: () => void): void {
    this.#retry ??= this.#timers.setTimeout(() => { this.#retry = undefined; fn() }, waitMs)
  }

  /** Starts are allowed at once again, from the first step. */
  reset (): void {
    this.failures = 0
    this.until = 0
    this.cancelRetry()
  }

  cancelRetry (): void {
    this.#timers.clear(this.#retry)
    this.#retry = undefined
  }
}
