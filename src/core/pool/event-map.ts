// The shape of the pool's events, over the group type, in a leaf file: the group emits them and events.ts names
// them for subscribers, and neither has to import the other for it.
import type { FerryError } from '../errors.js'
import type { ExitInfo, ProcessStats } from '../spawn/loader.js'
import type { AppProcess } from './app-process.js'

/** Out-of-band work: begun, reported done, not reported in time, or called off by the process itself. */
export type OobPhase = 'start' | 'done' | 'timeout' | 'skipped'

export type RecycleReason = 'max-requests' | 'memory-limit' | 'stuck' | 'unreachable'

export interface GroupEventMap<G> {
  spawning: [group: G]
  spawned: [group: G, process: AppProcess]
  spawnFailed: [group: G, err: FerryError]
  exited: [group: G, process: AppProcess, info: ExitInfo, unexpected: boolean]
  idleStop: [group: G, process: AppProcess]
  queueFull: [group: G]
  output: [group: G, pid: number, stream: 'stdout' | 'stderr', line: string]
  restart: [group: G, method: 'blocking' | 'rolling']
  /** restart.txt changed (always = tmp/always_restart.txt exists). */
  restartFile: [group: G, always: boolean]
  recycle: [group: G, process: AppProcess, reason: RecycleReason]
  memoryOver: [group: G, process: AppProcess, kb: number, limitKb: number]
  oobWork: [group: G, process: AppProcess, phase: OobPhase]
  /** A retired process kept for its tunnels ('waiting'), or stopped at the end of the drain time ('closing'). */
  tunnelDrain: [group: G, process: AppProcess, phase: 'waiting' | 'closing']
  /** A process that accepts its clients itself (--bypass) reported a batch of request counters. */
  processStats: [group: G, process: AppProcess, stats: ProcessStats]
}
