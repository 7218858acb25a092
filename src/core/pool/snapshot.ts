// One plain, frozen copy of the pool's state, built in one place. Every view (status text, XML, JSON, metrics)
// renders this object and never reads the live pool.
import type { AppType } from '../spawn/loader.js'
import type { ProcessState } from './app-process.js'
import type { Pool } from './pool.js'

export interface ProcessSnapshot {
  readonly pid: number
  readonly state: ProcessState
  readonly sessions: number
  /** Open tunnels (upgraded connections such as WebSockets); they are not sessions. */
  readonly tunnels: number
  readonly processed: number
  readonly concurrency: number
  readonly spawned_at: number
  readonly last_used: number
  readonly command: string
  /** Event-loop utilization over the last second (0..1), as the process reported it; null when it does not. */
  readonly event_loop_utilization: number | null
}

export interface GroupSnapshot {
  readonly name: string
  readonly app_root: string
  readonly app_type: AppType
  readonly environment: string
  readonly queue_length: number
  readonly max_queue: number
  readonly queue_overflows: number
  readonly oldest_wait_ms: number
  readonly spawning: number
  readonly min_instances: number
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

export function buildPoolSnapshot (pool: Pool, now: number): PoolSnapshot {
  const groups = [...pool.groups.values()].map(g => Object.freeze({
    name: g.name,
    app_root: g.app.root,
    app_type: g.app.type,
    environment: g.app.environment,
    queue_length: g.queue.length,
    max_queue: g.maxQueue,
    queue_overflows: g.queueOverflows,
    oldest_wait_ms: g.queue.oldestAge(now),
    spawning: g.spawning,
    min_instances: g.minInstances,
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
      last_used: p.lastUsed,
      command: p.command,
      event_loop_utilization: p.supportsOob ? Math.round(p.elu * 1000) / 1000 : null
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
