// One plain, frozen copy of the pool's state, built in one place. Every view (status text, XML, JSON, metrics)
// renders this object and never reads the live pool.
import type { AppType, UpstreamTarget } from '../spawn/loader.js'
import type { ProcessState } from './app-process.js'
import type { Group } from './group.js'

export interface ProcessSnapshot {
  readonly pid: number
  readonly state: ProcessState
  readonly sessions: number
  /** Open tunnels (upgraded connections such as WebSockets); they are not sessions. */
  readonly tunnels: number
  readonly processed: number
  readonly concurrency: number
  readonly spawned_at: number
  /** When its spawn began, and when its group's generation (creation or last restart) began; ms since the epoch. */
  readonly spawn_started_at: number
  readonly generation_started_at: number
  readonly last_used: number
  /** The command line Ferry started (for a Node app, with the preload); its title is in the status metrics. */
  readonly command: string
  /** The value of the sticky-sessions cookie that names it (decimal digits). */
  readonly sticky_session_id: string
  readonly gupid: string
  /** Where the core sends it requests: `unix:/path` or `tcp://127.0.0.1:port`. */
  readonly address: string
  /** Event-loop utilization over the last second (0..1), as the process reported it; null when it does not. */
  readonly event_loop_utilization: number | null
  /**
   * Present (true) for a process that accepts its clients itself (--bypass): its sessions, processed and last used
   * are what it reported (at most a second old), and it reports the bytes its clients sent and received.
   */
  readonly accepts_clients?: true
  readonly bytes_in?: number
  readonly bytes_out?: number
}

export interface GroupSnapshot {
  readonly name: string
  /** Changes on every restart. */
  readonly uuid: string
  readonly app_root: string
  readonly app_type: AppType
  readonly environment: string
  readonly start_command: string
  /** Node apps: the entry file; null for generic apps. */
  readonly startup_file: string | null
  readonly start_timeout_ms: number
  /** The user the app's processes run as when Ferry runs as root; null: as Ferry's own user. */
  readonly identity: { readonly user: string, readonly uid: number, readonly gid: number } | null
  readonly restarting: boolean
  readonly queue_length: number
  readonly max_queue: number
  readonly queue_overflows: number
  readonly oldest_wait_ms: number
  readonly spawning: number
  readonly min_instances: number
  /** 0 = up to the pool size. */
  readonly max_instances: number
  readonly max_oob_work_instances: number
  readonly failures: number
  readonly last_spawn_error: string | null
  readonly processes: readonly ProcessSnapshot[]
}

export interface PoolSnapshot {
  readonly taken_at: number
  readonly max_pool_size: number
  readonly process_count: number
  readonly group_count: number
  readonly groups: readonly GroupSnapshot[]
}

/** What a snapshot is taken of: the pool's size and its groups (the pool itself, which builds it through this). */
export interface SnapshotSource {
  readonly maxPoolSize: number
  readonly groups: ReadonlyMap<string, Group>
}

export function buildPoolSnapshot (pool: SnapshotSource, now: number): PoolSnapshot {
  const groups = [...pool.groups.values()].map(g => Object.freeze({
    name: g.name,
    uuid: g.uuid,
    app_root: g.app.root,
    app_type: g.app.type,
    environment: g.app.environment,
    start_command: g.startCommand,
    startup_file: g.app.startupFile ?? null,
    start_timeout_ms: g.app.startTimeoutMs,
    identity: g.app.identity === undefined ? null : { user: g.app.identity.user, uid: g.app.identity.uid, gid: g.app.identity.gid },
    restarting: g.restarting,
    queue_length: g.queue.length,
    max_queue: g.maxQueue,
    queue_overflows: g.queueOverflows,
    oldest_wait_ms: g.queue.oldestAge(now),
    spawning: g.spawning,
    min_instances: g.minInstances,
    max_instances: g.maxInstances,
    max_oob_work_instances: g.maxOob,
    failures: g.failures,
    last_spawn_error: g.lastSpawnError?.message ?? null,
    processes: Object.freeze(g.processes.map(p => Object.freeze({
      pid: p.pid,
      state: p.state,
      sessions: p.sessions,
      tunnels: p.tunnels,
      processed: p.processed,
      concurrency: p.concurrency,
      spawned_at: p.spawnedAt,
      spawn_started_at: p.spawnStartedAt,
      generation_started_at: p.generationStartedAt,
      last_used: p.lastUsed,
      command: p.command,
      sticky_session_id: p.stickyId,
      gupid: p.gupid,
      address: addressOf(p.target),
      event_loop_utilization: p.supportsOob || p.acceptsItself ? Math.round(p.elu * 1000) / 1000 : null,
      ...(p.acceptsItself ? { accepts_clients: true as const, bytes_in: p.bytesIn, bytes_out: p.bytesOut } : {})
    })))
  }))
  return Object.freeze({
    taken_at: now,
    max_pool_size: pool.maxPoolSize,
    process_count: groups.reduce((n, g) => n + g.processes.length, 0),
    group_count: groups.length,
    groups: Object.freeze(groups)
  })
}

function addressOf (t: UpstreamTarget): string {
  return t.kind === 'unix' ? `unix:${t.socketPath}` : `tcp://${t.host}:${t.port}`
}
