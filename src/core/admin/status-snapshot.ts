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
  /** Proportional set size (smaps_rollup), null when it could not be read. */
  readonly pss_kb?: number | null
  readonly swap_kb: number
  readonly vmsize_kb: number
  /** The process group it is in (/proc/<pid>/stat), null when it could not be read. */
  readonly process_group_id?: number | null
  /** Its title as ps shows it (e.g. "Ferry NodeApp: /srv/app"), null when it could not be read. */
  readonly title?: string | null
}

export interface InstanceInfo {
  /** The name `ferry status NAME` selects by (unique prefixes work). */
  readonly name: string
  readonly version: string
  /** e.g. "Ferry/0.1.0". */
  readonly server_software: string
}

/** Who an app's processes run as. */
export interface RunAs { readonly user: string, readonly uid: number, readonly group: string, readonly gid: number }

/** Per-app facts the pool does not hold: where the router serves the app and who its processes run as. */
export interface AppFacts {
  /** `/` or the app's base URI. */
  readonly base_uri: string
  readonly run_as: RunAs
}

/** Instance-wide settings that Passenger's XML repeats in each group's `<options>`. */
export interface CoreSettings {
  /** `standalone` (ferry start) or `flying` (ferry fly). */
  readonly integration_mode: string
  /** The log level as a number, Passenger's scale: 0 crit, 1 error, 2 warn, 3 notice, 4 info, 5 debug. */
  readonly log_level: number
  /** Who apps run as when nothing else decides (root Ferry: --user, else nobody; otherwise Ferry's own user). */
  readonly default_user: string
  readonly default_group: string
  /** The Node.js executable Node apps run with. */
  readonly nodejs: string
  /** The attributes of the sticky-sessions cookie after its Path. */
  readonly sticky_sessions_cookie_attributes: string
}

export interface StatusSnapshot {
  readonly instance: InstanceInfo
  readonly pool: PoolSnapshot
  /** Keyed by PID (as a string); a process missing here has no metrics (it exited, or could not be read). */
  readonly metrics: Readonly<Record<string, ProcessMetrics>>
  /** Keyed by group name; a group missing here is shown with defaults (base URI `/`, Ferry's own user). */
  readonly apps?: Readonly<Record<string, AppFacts>>
  /** Absent: Passenger's defaults where Ferry's are the same (see views/pool-xml.ts). */
  readonly settings?: CoreSettings
  /** The turbocache's figures, as in /server.json (optional only so views' tests need not build them). */
  readonly turbocaching?: TurbocachingFigures
}

/** Memory as the views report it: private dirty RSS plus swap, falling back to RSS. */
export function realMemoryKb (m: ProcessMetrics): number {
  return (m.private_dirty_kb ?? m.rss_kb) + m.swap_kb
}
