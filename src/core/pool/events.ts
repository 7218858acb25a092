// The events the pool publishes. The core's logger (and later the admin API) subscribes; the pool never logs.
import { EventEmitter } from 'node:events'
import type { FerryError } from '../errors.js'
import type { ExitInfo, ProcessStats } from '../spawn/loader.js'
import type { AppProcess } from './app-process.js'
import type { Group, RecycleReason } from './group.js'

export interface PoolEventMap {
  spawning: [group: Group]
  spawned: [group: Group, process: AppProcess]
  spawnFailed: [group: Group, err: FerryError]
  exited: [group: Group, process: AppProcess, info: ExitInfo, unexpected: boolean]
  idleStop: [group: Group, process: AppProcess]
  queueFull: [group: Group]
  output: [group: Group, pid: number, stream: 'stdout' | 'stderr', line: string]
  restart: [group: Group, method: 'blocking' | 'rolling']
  /** restart.txt changed (always = tmp/always_restart.txt exists). */
  restartFile: [group: Group, always: boolean]
  recycle: [group: Group, process: AppProcess, reason: RecycleReason]
  memoryOver: [group: Group, process: AppProcess, kb: number, limitKb: number]
  oobWork: [group: Group, process: AppProcess, phase: 'start' | 'done' | 'timeout']
  /** A retired process kept for its tunnels ('waiting'), or stopped at the end of the drain time ('closing'). */
  tunnelDrain: [group: Group, process: AppProcess, phase: 'waiting' | 'closing']
  /** A process that accepts its clients itself (--bypass) reported a batch of request counters. */
  processStats: [group: Group, process: AppProcess, stats: ProcessStats]
}

export class PoolEvents extends EventEmitter<PoolEventMap> {}
