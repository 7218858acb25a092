// Events per minute, averaged over the last minute and the last hour, in fixed memory: 60 one-second buckets and
// 60 one-minute buckets. mark() is on the request path, so it only bumps a counter after a clock read.

const SECOND = 1000
const MINUTE = 60 * SECOND

export class RateMeter {
  readonly #seconds = new Float64Array(60)
  readonly #minutes = new Float64Array(60)
  #second = 0
  #minute = 0
  readonly #now: () => number

  constructor (now: () => number = Date.now) {
    this.#now = now
    this.#second = Math.floor(now() / SECOND)
    this.#minute = Math.floor(now() / MINUTE)
  }

  /** `now`: the caller's clock reading, when it has one (the meter's own clock otherwise). */
  mark (n = 1, now = this.#now()): void {
    this.#advance(now)
    this.#seconds[this.#second % 60]! += n
    this.#minutes[this.#minute % 60]! += n
  }

  /** Events per minute over the last minute and over the last hour. */
  rates (): { perMinute1m: number, perMinute1h: number } {
    this.#advance(this.#now())
    let s = 0
    let m = 0
    for (let i = 0; i < 60; i++) { s += this.#seconds[i]!; m += this.#minutes[i]! }
    return { perMinute1m: s, perMinute1h: m / 60 }
  }

  /** Clears the buckets the clock has moved past since the last call. */
  #advance (now: number): void {
    const second = Math.floor(now / SECOND)
    // Within the same second (most calls, on the request path) nothing has been moved past.
    if (second <= this.#second) return
    for (let s = this.#second + 1; s <= second && s <= this.#second + 60; s++) this.#seconds[s % 60] = 0
    this.#second = second
    const minute = Math.floor(now / MINUTE)
    for (let m = this.#minute + 1; m <= minute && m <= this.#minute + 60; m++) this.#minutes[m % 60] = 0
    this.#minute = minute
  }
}
