// Builds a group's policies and wires each to the group through one narrow core (GroupCore): each policy gets only
// what it decides with and the transitions it may ask for, so group.ts holds the state machine and no wiring.
import type { AppProcess } from './app-process.js'
import type { GroupOptionsOf } from './group-options.js'
import type { Timers } from './timers.js'
import type { WaitQueue } from './wait-queue.js'
import { Backoff } from './backoff.js'
import { HandAhead } from './hand-ahead.js'
import { IdleReaper } from './idle-reaper.js'
import { OutOfBand } from './out-of-band.js'
import { MemoryWatch, Recycler } from './recycling.js'
import { ProcessReports } from './process-reports.js'
import { Retirement } from './retirement.js'
import { RollingRestart } from './rolling-restart.js'
import { StickyWaits } from './sticky-waits.js'

/** What the policies see of a group `G`: its state, its options, and the transitions they may ask for. */
export interface GroupCore<G> {
  /** The group itself, as its events name it. */
  readonly group: G
  readonly processes: readonly AppProcess[]
  readonly queue: WaitQueue<AppProcess>
  readonly timers: Timers
  /** Read at each use: reconfigure() replaces them. */
  options (): GroupOptionsOf<G>
  spawning (): number
  liveCount (): number
  maxOob (): number
  halted (): boolean
  mayGrow (): boolean
  spawnOne (): void
  maybeSpawn (): void
  retire (p: AppProcess): void
  /** Gives waiting requests to free processes. */
  drain (): void
  /** Requests were served, the last at `at` (the group's lastActivity). */
  used (at: number): void
}

export interface GroupPolicies<G> {
  readonly backoff: Backoff
  readonly sticky: StickyWaits
  readonly roll: RollingRestart
  readonly oob: OutOfBand
  readonly retirement: Retirement
  readonly handAhead: HandAhead
  readonly recycler: Recycler
  readonly reports: ProcessReports<G>
  /** (Re)starts the timed policies (idle reaping, memory checks: only these reach them) with the options as they are now. */
  startTimers (): void
  /** The group halted: none of its timers runs again (the back-off's retry included). */
  stopTimers (): void
}

export function wirePolicies<G> (core: GroupCore<G>): GroupPolicies<G> {
  const { group, processes, timers } = core
  const o = core.options
  const now = (): number => o().now()
  const events = (): GroupOptionsOf<G>['events'] => o().events
  const backoff = new Backoff(timers)
  const sticky = new StickyWaits(core.queue, now)
  const roll = new RollingRestart({
    processes,
    halted: core.halted,
    spawning: core.spawning,
    backoffDefers: fn => backoff.defers(now(), fn),
    mayGrow: core.mayGrow,
    spawnOne: core.spawnOne,
    retire: core.retire,
    maybeSpawn: core.maybeSpawn,
    recycling: (p, reason) => events().emit('recycle', group, p, reason)
  })
  const oob = new OutOfBand({
    processes,
    liveCount: core.liveCount,
    maxOob: core.maxOob,
    timeoutMs: () => o().oobTimeoutMs,
    emit: (p, phase) => events().emit('oobWork', group, p, phase),
    backInRotation: p => { sticky.serve(p); core.drain() }
  })
  const retirement = new Retirement({
    timers,
    drainMs: () => o().tunnelDrainMs,
    mayKeep: o().mayKeepForTunnels,
    graceMs: () => o().stopGraceMs,
    emit: (p, phase) => events().emit('tunnelDrain', group, p, phase),
    roomFreed: () => { roll.roomFreed(); core.maybeSpawn() }
  })
  const handAhead = new HandAhead({
    processes,
    enabled: () => o().handAhead === true,
    loaderConcurrency: () => o().loader.concurrency,
    maxRequests: () => o().maxRequests ?? 0,
    spawning: core.spawning,
    mayGrow: core.mayGrow,
    now
  })
  const reaper = new IdleReaper(timers, {
    processes,
    liveCount: core.liveCount,
    minInstances: () => o().minInstances,
    now,
    stop: p => {
      p.state = 'stopping'
      events().emit('idleStop', group, p)
      void p.stop(o().stopGraceMs)
    }
  })
  const memory = new MemoryWatch(timers, {
    processes,
    beingReplaced: p => roll.includes(p),
    replace: p => roll.replace(p, 'memory-limit'),
    over: (p, kb, limitKb) => events().emit('memoryOver', group, p, kb, limitKb)
  })
  const recycler = new Recycler({
    maxRequests: () => o().maxRequests ?? 0,
    oobEvery: () => o().oobEvery ?? 0,
    replace: (p, reason) => roll.replace(p, reason),
    wantOob: p => oob.want(p)
  })
  const reports = new ProcessReports<G>({
    group,
    processes,
    events,
    saturationElu: () => o().saturationElu ?? 0,
    used: core.used,
    recycler,
    wantOob: p => oob.want(p),
    maybeSpawn: core.maybeSpawn,
    timers,
    now
  })
  const startTimers = (): void => {
    const { idleTimeMs, memoryLimitKb, measureMemoryKb, memoryCheckMs } = o()
    reaper.start(idleTimeMs)
    memory.start(memoryLimitKb ?? 0, measureMemoryKb, memoryCheckMs ?? 5_000)
  }
  const stopTimers = (): void => { reaper.stop(); memory.stop(); backoff.cancelRetry() }
  return { backoff, sticky, roll, oob, retirement, handAhead, recycler, reports, startTimers, stopTimers }
}
