// What a group is built with, in a leaf file: pool.ts fills it in and group.ts reads it, and the type names the
// group only through its events' parameter, so neither file has to import the other for it.
import type { EventEmitter } from 'node:events'
import type { AppSpec, Loader } from '../spawn/loader.js'
import type { GroupEventMap } from './event-map.js'
import type { Timers } from './timers.js'

/** `G`: the group type its events carry (group.ts names GroupOptions over Group). */
export interface GroupOptionsOf<G> {
  readonly app: AppSpec
  readonly loader: Loader
  readonly minInstances: number
  /** 0 = up to the pool size. */
  readonly maxInstances: number
  /** 0 = unlimited. */
  readonly maxQueue: number
  /** Requests one process serves at once; 0 = what the loader says (unlimited for Node). */
  readonly concurrency: number
  /** 0 = never stop idle processes. */
  readonly idleTimeMs: number
  /** How long a stopping process may take after SIGTERM before SIGKILL. */
  readonly stopGraceMs?: number
  readonly hasRoom: () => boolean
  /** Whether one more process may be kept only for its tunnels (the pool bounds them); absent: always. */
  readonly mayKeepForTunnels?: () => boolean
  readonly now: () => number
  /** Where its timers are set; default Node's (unref'd). Unit tests pass a fake clock's. */
  readonly timers?: Timers
  readonly events: EventEmitter<GroupEventMap<G>>
  /** How restarts asked for without a method (restart.txt, restart-app) are done. */
  readonly rollingRestarts?: boolean
  /** Replace a process after this many requests; 0 = never. */
  readonly maxRequests?: number
  /** Replace a process whose private memory is over this many KiB; 0 = no limit. Needs measureMemoryKb. */
  readonly memoryLimitKb?: number
  readonly measureMemoryKb?: (pid: number) => Promise<number | undefined>
  /** How often the memory limit is checked. */
  readonly memoryCheckMs?: number
  /** Ask for out-of-band work every this many requests per process; 0 = only when the app asks. */
  readonly oobEvery?: number
  /** Most processes out of rotation for out-of-band work at once. */
  readonly maxOob?: number
  readonly oobTimeoutMs?: number
  /** A process whose event-loop utilization is at least this (0..1) counts as saturated; 0 = not used. */
  readonly saturationElu?: number
  /**
   * How long a retired process with nothing left but tunnels (see AppProcess.tunnels) is kept for them; then it is
   * stopped, which closes them. Default DEFAULT_TUNNEL_DRAIN_MS.
   */
  readonly tunnelDrainMs?: number
  /** How much of the app's output the log takes (the group only carries it; the log's subscriber applies it). */
  readonly outputLimit?: OutputLimit
  /** --hand-ahead: a one-at-a-time process may be given the next waiting request while it serves one (hand-ahead.ts). */
  readonly handAhead?: boolean
}

/** Bytes of app output per second on average, and at once; bytesPerSecond 0 = no limit. */
export interface OutputLimit { readonly bytesPerSecond: number, readonly burstBytes: number }
