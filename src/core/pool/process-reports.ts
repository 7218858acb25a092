// What a process reports about itself through its loader's hooks (SpawnHooks): its app's output (passed on as an
// event), its event loop's load (a saturated one may make the group grow, growth.ts), and, from a process that
// accepts its clients itself (--bypass), its request counters in batches, its app's wish for out-of-band work, and
// how many connections it holds (one over its share of the group's is told to shed some: connection-balance.ts).
// The core never sees such a process's requests, so its counters stand for the checkouts: views, recycling
// (--max-requests, idle shrink) and out-of-band work every N requests treat it as they treat a proxied one.
import type { EventEmitter } from 'node:events'
import type { Invalidated, ProcessStats, SpawnHooks } from '../spawn/loader.js'
import type { AppProcess } from './app-process.js'
import type { GroupEventMap } from './event-map.js'
import { saturated, servedMostOfBusyTime } from './growth.js'
import type { Recycler } from './recycling.js'
import { ConnectionBalance } from './connection-balance.js'
import type { Timers } from './timers.js'

export interface ReportsHost<G> {
  readonly group: G
  readonly processes: readonly AppProcess[]
  events (): EventEmitter<GroupEventMap<G>>
  /** --saturation-elu; 0 = not used. */
  saturationElu (): number
  /** The process served requests, the last at `at` (the group's lastActivity). */
  used (at: number): void
  readonly recycler: Recycler
  wantOob (p: AppProcess): void
  maybeSpawn (): void
  readonly timers: Timers
  now (): number
}

export class ProcessReports<G> {
  readonly #h: ReportsHost<G>
  /** Given to the loader with every spawn. */
  readonly hooks: SpawnHooks
  readonly #balance: ConnectionBalance

  constructor (host: ReportsHost<G>) {
    this.#h = host
    this.#balance = new ConnectionBalance(host)
    this.hooks = {
      onOutput: (pid, stream, line) => host.events().emit('output', host.group, pid, stream, line),
      onLoad: (pid, elu) => this.load(pid, elu),
      onStats: (pid, stats) => this.stats(pid, stats),
      onOobWanted: pid => this.oobWanted(pid),
      onConnections: (pid, open) => this.connections(pid, open),
      onCacheInvalidated: (pid, keys) => this.cacheInvalidated(pid, keys)
    }
  }

  /** A process reported its event-loop utilization. */
  load (pid: number, elu: number): void {
    const p = this.#h.processes.find(x => x.pid === pid)
    if (p === undefined) return
    p.elu = elu
    if (p.acceptsItself) { p.servedLately = servedMostOfBusyTime(p.servedMsSinceLoad, elu); p.servedMsSinceLoad = 0 }
    if (saturated(elu, this.#h.saturationElu())) this.#h.maybeSpawn()
  }

  /** A process that accepts its clients itself reported its counters. */
  stats (pid: number, s: ProcessStats): void {
    const h = this.#h
    const p = h.processes.find(x => x.pid === pid)
    if (p === undefined) return
    p.sessions = s.inFlight
    p.servedMsSinceLoad += s.sumMs
    if (s.processed > p.processed) { p.lastUsed = Math.max(s.lastUsed, p.lastUsed); h.used(p.lastUsed) }
    const before = p.processed
    p.processed = s.processed
    p.bytesIn = s.bytesIn
    p.bytesOut = s.bytesOut
    h.events().emit('processStats', h.group, p, s)
    h.recycler.afterBatch(p, before)
    this.#balance.weighSoon()
  }

  /**
   * A write answered by one process invalidated these URL keys in its own turbocache: the group's other processes,
   * each with a cache of its own, drop them too, so none keeps serving what the write changed.
   */
  cacheInvalidated (pid: number, what: Invalidated): void {
    // A starting process may already serve (it accepts before the core hears it is ready): it is told as well.
    for (const p of this.#h.processes) if (p.pid !== pid && p.state !== 'dead') p.dropCacheKeys(what)
  }

  /** A process that accepts its clients itself holds `open` connections now: one over its share sheds some. */
  connections (pid: number, open: number): void {
    const p = this.#h.processes.find(x => x.pid === pid)
    if (p !== undefined) this.#balance.report(p, open)
  }

  /** A process that accepts its clients itself passed on its app's X-Ferry-OOB-Work. */
  oobWanted (pid: number): void {
    const p = this.#h.processes.find(x => x.pid === pid)
    if (p !== undefined && p.state === 'ready') this.#h.wantOob(p)
  }
}

