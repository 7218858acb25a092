// One app process as the pool sees it: the spawned process plus the counters every view needs.
// States: ready (taking requests) → stopping (no new requests; finishing what it serves) → dead.
// A process that is spawning has no AppProcess yet: the group counts it as "spawning".
import type { SpawnedProcess, UpstreamTarget } from '../spawn/loader.js'

export type ProcessState = 'ready' | 'stopping' | 'dead'

export class AppProcess {
  readonly pid: number
  readonly target: UpstreamTarget
  readonly concurrency: number
  readonly command: string
  readonly spawnedAt: number
  state: ProcessState = 'ready'
  /** Requests in flight on this process. */
  sessions = 0
  /** Requests completed by this process. */
  processed = 0
  lastUsed: number
  readonly #spawned: SpawnedProcess

  /** `concurrency` overrides what the loader advertised (0 = keep the loader's value). */
  constructor (spawned: SpawnedProcess, now: number, concurrency = 0) {
    this.#spawned = spawned
    this.pid = spawned.pid
    this.target = spawned.target
    this.concurrency = concurrency > 0 ? concurrency : spawned.concurrency
    this.command = spawned.command
    this.spawnedAt = now
    this.lastUsed = now
  }

  get exited (): SpawnedProcess['exited'] { return this.#spawned.exited }

  /** True when it can take no more requests: a bounded concurrency that is used up. */
  get totallyBusy (): boolean {
    return this.concurrency > 0 && this.sessions >= this.concurrency
  }

  /** Stops taking requests, then stops the process. Idempotent. */
  stop (graceMs?: number): ReturnType<SpawnedProcess['stop']> {
    if (this.state === 'ready') this.state = 'stopping'
    return this.#spawned.stop(graceMs)
  }
}
