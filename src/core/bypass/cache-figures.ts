// The turbocache figures of a bypassed app, whose processes each keep a cache of their own (bypass/in-process.ts) and
// report its figures with their batched request counters. Added up here into the shape the core's store has, so
// /server.json, `ferry status --show server` and the metrics render them as they render the core's cache: counters
// only grow (a process that exits keeps its share), entries and bytes are those of the processes alive now.
import type { CacheCounters } from '../cache/types.js'
import { emptyCounters, REFUSAL_REASONS as REASONS } from '../cache/memory-store.js'
import type { InProcessCacheFigures } from './in-process.js'

export { emptyCounters }

type Plain = Exclude<keyof CacheCounters, 'refusals'>
const PLAIN: readonly Plain[] = ['fetches', 'hits', 'stores', 'store_successes', 'evictions', 'collapsed', 'revalidations', 'revalidated', 'stale_served']

export class BypassedCacheFigures {
  readonly counters: CacheCounters = emptyCounters()
  /** The last report of each process. */
  readonly #last = new Map<number, InProcessCacheFigures>()
  readonly #perProcessMaxBytes: number
  readonly #alive: () => ReadonlySet<number>

  /** `alive`: the pids of the app's processes now (a process that is gone holds no entries any more). */
  constructor (perProcessMaxBytes: number, alive: () => ReadonlySet<number>) {
    this.#perProcessMaxBytes = perProcessMaxBytes
    this.#alive = alive
  }

  /** A process's report: its counters are totals since it started, so what they grew by is added. */
  report (pid: number, f: InProcessCacheFigures): void {
    const last = this.#last.get(pid)
    for (const k of PLAIN) this.counters[k] += Math.max(0, f.counters[k] - (last?.counters[k] ?? 0))
    for (const r of REASONS) this.counters.refusals[r] += Math.max(0, f.counters.refusals[r] - (last?.counters.refusals[r] ?? 0))
    this.#last.set(pid, f)
    this.#prune()
  }

  get size (): number { return this.#sum(f => f.entries) }
  get bytes (): number { return this.#sum(f => f.bytes) }
  /** Each process has --turbocache-size to itself: the limit of the whole is that many times the processes alive. */
  get maxBytes (): number { return this.#perProcessMaxBytes * Math.max(1, this.#alive().size) }

  #sum (of: (f: InProcessCacheFigures) => number): number {
    const alive = this.#alive()
    let n = 0
    for (const [pid, f] of this.#last) if (alive.has(pid)) n += of(f)
    return n
  }

  #prune (): void {
    const alive = this.#alive()
    for (const pid of this.#last.keys()) if (!alive.has(pid)) this.#last.delete(pid)
  }
}

/** A process's cache figures as it reported them, checked field by field (the app runs its own code there). */
export function toCacheFigures (v: unknown): InProcessCacheFigures | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const m = v as Record<string, unknown>
  const n = (x: unknown): number => typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : 0
  const c = (typeof m.counters === 'object' && m.counters !== null ? m.counters : {}) as Record<string, unknown>
  const r = (typeof c.refusals === 'object' && c.refusals !== null ? c.refusals : {}) as Record<string, unknown>
  const counters = emptyCounters()
  for (const k of PLAIN) counters[k] = n(c[k])
  for (const k of REASONS) counters.refusals[k] = n(r[k])
  return { entries: n(m.entries), bytes: n(m.bytes), counters }
}
