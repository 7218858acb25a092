// The pool: every app's group under one process budget (--max-pool-size). Groups ask it for room before they
// grow. It is constructed with its loaders and clock, so a test can run two pools side by side.
import type { AppSpec, AppType, Loader } from '../spawn/loader.js'
import { Group, type GroupOptions } from './group.js'
import { PoolEvents } from './events.js'
import { buildPoolSnapshot, type PoolSnapshot } from './snapshot.js'
import type { Timers } from './timers.js'

export interface PoolOptions {
  readonly maxPoolSize: number
  readonly loaders: Readonly<Record<AppType, Loader>>
  readonly now?: () => number
  /** Where groups set their timers; default Node's. A unit test passes a fake clock's with its `now`. */
  readonly timers?: Timers
  readonly stopGraceMs?: number
  /**
   * Groups added are not pre-started until startGroups(): the core pre-starts apps only once its front is
   * listening, so an instance that cannot listen (port in use) never spawns an app it would have to kill at once.
   */
  readonly deferStart?: boolean
}

export type GroupSettings = Pick<GroupOptions, 'minInstances' | 'maxInstances' | 'maxQueue' | 'concurrency' | 'idleTimeMs'> &
  Partial<Pick<GroupOptions, 'rollingRestarts' | 'maxRequests' | 'memoryLimitKb' | 'measureMemoryKb' | 'memoryCheckMs' |
  'oobEvery' | 'maxOob' | 'oobTimeoutMs' | 'saturationElu' | 'tunnelDrainMs' | 'outputLimit' | 'loader' | 'handAhead'>>

export class Pool {
  readonly events = new PoolEvents()
  readonly groups = new Map<string, Group>()
  readonly maxPoolSize: number
  readonly now: () => number
  readonly #o: PoolOptions
  #deferred: boolean

  constructor (options: PoolOptions) {
    this.#o = options
    this.#deferred = options.deferStart === true
    this.maxPoolSize = options.maxPoolSize
    this.now = options.now ?? Date.now
  }

  /** Processes running or being spawned, all groups together; retired ones kept only for their tunnels do not count. */
  get capacityUsed (): number {
    let n = 0
    for (const g of this.groups.values()) {
      n += g.spawning
      for (const p of g.processes) if (!p.onlyTunnelsLeft) n++
    }
    return n
  }

  hasRoom (): boolean { return this.capacityUsed < this.maxPoolSize }

  /**
   * Processes kept only for their tunnels do not count against the pool (a restart must not wait for WebSockets),
   * so they are bounded on their own: at most --max-pool-size of them, or a client that opens a WebSocket on every
   * process before it is recycled could grow the pool without limit.
   */
  mayKeepForTunnels (): boolean {
    let n = 0
    for (const g of this.groups.values()) for (const p of g.processes) if (p.onlyTunnelsLeft) n++
    return n <= this.maxPoolSize
  }

  addGroup (app: AppSpec, settings: GroupSettings): Group {
    const group = new Group({
      ...this.groupOptions(app, settings),
      hasRoom: () => this.hasRoom(),
      mayKeepForTunnels: () => this.mayKeepForTunnels(),
      now: this.now,
      timers: this.#o.timers,
      events: this.events
    })
    this.groups.set(group.name, group)
    if (!this.#deferred) group.start()
    return group
  }

  /** Pre-starts every group's --min-instances (with deferStart); groups added later start at once. */
  startGroups (): void {
    this.#deferred = false
    for (const g of this.groups.values()) g.start()
  }

  /** Removes an app: its processes finish their requests and stop; the group leaves the pool once they are gone. */
  async removeGroup (name: string): Promise<void> {
    const group = this.groups.get(name)
    if (group === undefined) return
    await group.drainAndStop()
    if (this.groups.get(name) === group) this.groups.delete(name)
  }

  /** The options a group is built with, for reconfigure(). */
  groupOptions (app: AppSpec, settings: GroupSettings): Omit<GroupOptions, 'hasRoom' | 'mayKeepForTunnels' | 'now' | 'timers' | 'events'> {
    // settings.loader, when given, replaces the type's loader (--bypass starts Node apps its own way).
    return { app, ...settings, loader: settings.loader ?? this.#o.loaders[app.type], stopGraceMs: this.#o.stopGraceMs }
  }

  snapshot (): PoolSnapshot { return buildPoolSnapshot(this, this.now()) }

  async stop (graceMs?: number): Promise<void> {
    await Promise.all([...this.groups.values()].map(g => g.stop(graceMs)))
  }
}
