// What every status view renders: the pool snapshot, the instance it belongs to, and per-process metrics read
// from the process table. Built in one place (the admin API); views are pure functions of it.
import type { PoolSnapshot } from '../pool/snapshot.js'
import type { TurbocachingFigures } from './cache-snapshot.js'

export interface ProcessMetrics {
  /** CPU use in percent, as the process table reports it. */
  readonly cpu: number
  readonly rss_kb: number
  /** Private dirty RSS (smaps_rollup), null when it could not be read. */
  readonly private_dirty_kb: number | null
  readonly swap_kb: number
  readonly vmsize_kb: number
}

export interface InstanceInfo {
  /** The name `ferry status NAME` selects by (unique prefixes work). */
  readonly name: string
  readonly version: string
  /** e.g. "Ferry/0.1.0". */
  readonly server_software: string
}

export interface StatusSnapshot {
  readonly instance: InstanceInfo
  readonly pool: PoolSnapshot
  /** Keyed by PID (as a string); a process missing here has no metrics (it exited, or could not be read). */
  readonly metrics: Readonly<Record<string, ProcessMetrics>>
  /** The turbocache's figures, as in /server.json (optional only so views' tests need not build them). */
  readonly turbocaching?: TurbocachingFigures
}

/** Memory as the views report it: private dirty RSS plus swap, falling back to RSS. */
export function realMemoryKb (m: ProcessMetrics): number {
  return (m.private_dirty_kb ?? m.rss_kb) + m.swap_kb
}
