// One clock reading per batch of requests read together. A turbocache hit read Date.now() five times (its start,
// the request rate, the cache's freshness, the Date header, its duration), ~60 ns each on this VM: together more
// than a tenth of the core's own (user) time per hit. Every request of one read is begun, and a hit answered, in
// the same synchronous run of the read's callback, so one reading taken as the read arrives tells each of them the
// time to the millisecond (what those figures are kept in). Outside such a run, readClock() is Date.now().

let batchAt = 0
let inBatch = false

/** The time (ms since the epoch): the current read batch's, within one, else Date.now(). */
export function readClock (): number { return inBatch ? batchAt : Date.now() }

/** A read's synchronous processing starts: readClock() is now this. False when one runs already (leave it be). */
export function startReadBatch (): boolean {
  if (inBatch) return false
  batchAt = Date.now()
  inBatch = true
  return true
}

/** The processing that startReadBatch() returned true for is over (call it in a finally). */
export function endReadBatch (): void { inBatch = false }
