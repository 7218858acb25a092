// Per-process memory and CPU for /metrics, read from /proc when scraped (never on the request path). A scrape costs
// a few small /proc reads per app process, so it is bounded twice: by the pool (--max-pool-size processes), and in
// time: one reading serves every scrape for MIN_INTERVAL_MS, and scrapes that arrive together share one reading.
import { collectMetrics } from '../admin/metrics.js'
import type { ProcessMetrics } from '../admin/status-snapshot.js'
import { readProcFile } from '../inspect/proc.js'
import type { Pool } from '../pool/pool.js'
import type { PoolSnapshot } from '../pool/snapshot.js'

const MIN_INTERVAL_MS = 1_000

/**
 * Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ). It is 100 on every Linux architecture
 * Node supports; asking getconf(1) would cost a process spawn in the core.
 */
const USER_HZ = 100

export interface ProcessSample {
  readonly pool: PoolSnapshot
  /** Keyed by PID (as a string), as in the status snapshot: a process missing here exited or could not be read. */
  readonly metrics: Readonly<Record<string, ProcessMetrics>>
  /** CPU time (user + system) in seconds, keyed by PID. */
  readonly cpuSeconds: ReadonlyMap<number, number>
}

/** User + system CPU seconds from /proc/<pid>/stat, or undefined when it cannot be read. */
export function parseCpuSeconds (stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 14 and 15 of stat(5); the list starts at field 3 (state), after the command name.
  const ticks = Number(fields[11]) + Number(fields[12])
  return Number.isFinite(ticks) ? ticks / USER_HZ : undefined
}

export class ProcessSampler {
  readonly #pool: Pool
  readonly #now: () => number
  #last: { at: number, sample: ProcessSample } | undefined
  #pending: Promise<ProcessSample> | undefined

  constructor (pool: Pool, now: () => number = Date.now) {
    this.#pool = pool
    this.#now = now
  }

  async sample (): Promise<ProcessSample> {
    const last = this.#last
    if (last !== undefined && this.#now() - last.at < MIN_INTERVAL_MS) return last.sample
    this.#pending ??= this.#read().finally(() => { this.#pending = undefined })
    return await this.#pending
  }

  async #read (): Promise<ProcessSample> {
    const pool = this.#pool.snapshot()
    const pids = pool.groups.flatMap(g => g.processes.map(p => p.pid))
    const metrics = await collectMetrics(pids)
    const cpuSeconds = new Map<number, number>()
    for (const pid of pids) {
      const stat = readProcFile(`/proc/${pid}/stat`)
      const seconds = typeof stat === 'string' ? parseCpuSeconds(stat) : undefined
      if (seconds !== undefined) cpuSeconds.set(pid, seconds)
    }
    const sample = { pool, metrics, cpuSeconds }
    this.#last = { at: this.#now(), sample }
    return sample
  }
}
