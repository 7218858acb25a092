// Requests counted for --metrics-address, on the request path: by app, by status class, and into duration buckets.
// Plain number increments on records made once per app, so a request costs a Map lookup and a few additions
// (~25 ns), where prom-client's own observe() and inc() hash their labels into a string on every call (~560 ns
// together, measured). The metrics registry (src/core/metrics) turns these records into Prometheus series when
// it is scraped.

/** Upper bounds of the duration buckets, in seconds (prom-client's defaults; +Inf is implied). */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const BOUNDS_MS = DURATION_BUCKETS_SECONDS.map(s => s * 1000)

/** Index 0: no response head was sent (the client went away first); 1..5: 1xx..5xx. */
export const STATUS_CLASSES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'] as const

export class AppTally {
  /** Requests by STATUS_CLASSES index. */
  readonly byClass: number[] = [0, 0, 0, 0, 0, 0]
  /** Requests per duration bucket, not cumulative; the last one is +Inf. */
  readonly buckets: number[] = new Array<number>(BOUNDS_MS.length + 1).fill(0)
  sumMs = 0
  count = 0

  record (status: number, ms: number): void {
    const c = status >= 100 && status < 600 ? (status / 100) | 0 : 0
    this.byClass[c]!++
    let i = 0
    while (i < BOUNDS_MS.length && ms > BOUNDS_MS[i]!) i++
    this.buckets[i]!++
    this.sumMs += ms
    this.count++
  }
}

/** A batch of requests counted elsewhere (a --bypass process): by class, by duration bucket, and their total ms. */
export interface TallyBatch { readonly byClass: readonly number[], readonly buckets: readonly number[], readonly sumMs: number }

export class RequestTally {
  /** Keyed by app root (its group's name); an app served again after its removal goes on counting. */
  readonly apps = new Map<string, AppTally>()
  /** Requests no app was found for (404 for an unknown host, 400 for a refused request). */
  readonly unrouted = new AppTally()

  /** Counts one finished request; `app` is undefined when it was for no app. */
  record (app: string | undefined, status: number, ms: number): void {
    if (app === undefined) this.unrouted.record(status, ms)
    else this.#tallyOf(app).record(status, ms)
  }

  /** Adds a batch counted by an app process itself (--bypass), so metrics show it like proxied requests. */
  merge (app: string, b: TallyBatch): void {
    const t = this.#tallyOf(app)
    let n = 0
    for (let i = 0; i < t.byClass.length; i++) { const k = b.byClass[i] ?? 0; t.byClass[i]! += k; n += k }
    for (let i = 0; i < t.buckets.length; i++) t.buckets[i]! += b.buckets[i] ?? 0
    t.sumMs += b.sumMs
    t.count += n
  }

  #tallyOf (app: string): AppTally {
    let t = this.apps.get(app)
    if (t === undefined) { t = new AppTally(); this.apps.set(app, t) }
    return t
  }
}
