// One app process as the pool sees it: the spawned process plus the counters every view needs.
// States: ready (taking requests) ⇄ oob (out of rotation for out-of-band work; back to ready when done)
//   → stopping (no new requests; finishing what it serves) → dead.
// A process that is spawning has no AppProcess yet: the group counts it as "spawning".
import type { Invalidated, OobResult, SpawnedProcess, UpstreamTarget } from '../spawn/loader.js'
import type { Waiter } from './wait-queue.js'
import { randomId } from './random-id.js'

export type ProcessState = 'ready' | 'oob' | 'stopping' | 'dead'

export class AppProcess {
  readonly pid: number
  readonly target: UpstreamTarget
  readonly concurrency: number
  readonly command: string
  readonly spawnedAt: number
  /** Names this process in the sticky-sessions cookie; unique within its group. */
  readonly stickyId: string
  /**
   * A name no other process will have, in Passenger's gupid shape (minutes since the epoch in hex, a dash, 10 random
   * characters), so monitoring that tells processes apart by it keeps working.
   */
  readonly gupid: string
  /** When its spawn began, and when the group generation it belongs to began (ms since the epoch). */
  readonly spawnStartedAt: number
  readonly generationStartedAt: number
  /** The group's uuid when its spawn began: it changes on every restart, so it tells an old version's process. */
  readonly groupUuid: string
  state: ProcessState = 'ready'
  /** Requests in flight on this process. */
  sessions = 0
  /** Requests completed by this process. */
  processed = 0
  /**
   * Requests its loader is done with or goes on to finish by itself: answered, or left by their client (the app runs
   * such a one to its end). Not those cut short by the process's death or --max-request-time. A request handed ahead
   * to a one-at-a-time process has not begun while this has not moved since (see hand-ahead.ts).
   */
  finished = 0
  /**
   * Connections the app took over (an Upgrade it answered with 101, such as a WebSocket). They may stay open for
   * hours, so they hold no request slot; they only keep a retired process alive (see Group, tunnel drain).
   */
  tunnels = 0
  lastUsed: number
  /** Bytes its clients sent and received, for a process that accepts them itself (--bypass) and reports them. */
  bytesIn = 0
  bytesOut = 0
  /** Event-loop utilization (0..1) over the last report interval, as the process reported it; 0 when it does not. */
  elu = 0
  /**
   * For a process that accepts its clients itself: answering requests took at least half of its busy time during the
   * last load report interval. Growth asks this rather than `sessions`, which its report samples between requests: a
   * process busy with synchronous handlers reads 0 in flight whenever the sample is taken. An event loop kept busy by
   * the app's own work, with a few requests answered beside it, is not saturated by requests: more processes would
   * not help (each would run the same work), and growing for it filled the pool on one request a second.
   */
  servedLately = false
  /** Time its answered requests took, from the counters reported since its last load report. */
  servedMsSinceLoad = 0
  /** Out-of-band work was asked for and waits for a free slot (see --max-oob-work-instances). */
  oobWanted = false
  oobRunning = false
  /** Set when the process is known to be stuck: it is killed rather than asked to stop once its requests end. */
  killWhenIdle = false
  /** Requests that carry this process's sticky cookie and wait for it to have a free slot. */
  readonly stickyWaiters: Array<Waiter<AppProcess>> = []
  readonly #spawned: SpawnedProcess

  /** `concurrency` overrides what the loader advertised (0 = keep the loader's value). */
  constructor (spawned: SpawnedProcess, now: number, concurrency = 0, stickyId = String(spawned.pid),
    begun: { readonly at: number, readonly generation: number, readonly groupUuid?: string } = { at: now, generation: now }) {
    this.#spawned = spawned
    this.gupid = `${Math.floor(now / 60_000).toString(16)}-${randomId(10)}`
    this.spawnStartedAt = begun.at
    this.generationStartedAt = begun.generation
    this.groupUuid = begun.groupUuid ?? ''
    this.pid = spawned.pid
    this.target = spawned.target
    this.concurrency = concurrency > 0 ? concurrency : spawned.concurrency
    this.command = spawned.command
    this.spawnedAt = now
    this.lastUsed = now
    this.stickyId = stickyId
  }

  get exited (): SpawnedProcess['exited'] { return this.#spawned.exited }

  /** Alive and coming back to rotation: ready, or away doing out-of-band work. */
  get live (): boolean { return this.state === 'ready' || this.state === 'oob' }

  /**
   * Retired, with nothing left but tunnels: it serves no request and never will, so it does not count against the
   * pool's size (a restart must not wait for long-lived connections to end).
   */
  get onlyTunnelsLeft (): boolean { return this.state === 'stopping' && this.sessions === 0 && this.tunnels > 0 }

  /** True when it can take no more requests: a bounded concurrency that is used up. */
  get totallyBusy (): boolean {
    return this.concurrency > 0 && this.sessions >= this.concurrency
  }

  /** It accepts its clients itself (--bypass): its sessions and processed come from its reports, not checkouts. */
  get acceptsItself (): boolean { return this.#spawned.acceptsItself === true }

  /** Whether the process can do out-of-band work (its loader has a channel to ask it). */
  get supportsOob (): boolean { return this.#spawned.oobWork !== undefined }

  /** Asks the process to do its out-of-band work; resolves true when it reported done within timeoutMs. */
  oobWork (timeoutMs: number): Promise<OobResult> {
    return this.#spawned.oobWork?.(timeoutMs) ?? Promise.resolve(false)
  }

  /** Drops what `target` names from the process's own turbocache (--bypass); how many entries, 0 without one. */
  purgeCache (target: Parameters<NonNullable<SpawnedProcess['purgeCache']>>[0]): Promise<number> {
    return this.#spawned.purgeCache?.(target) ?? Promise.resolve(0)
  }

  /** Drops from the process's own turbocache what a write answered by another process of the group invalidated. */
  dropCacheKeys (what: Invalidated): void {
    this.#spawned.dropCacheKeys?.(what)
  }

  /** Has a process that accepts its clients itself close `count` keep-alive connections (connection-balance.ts). */
  shedConnections (count: number): void {
    this.#spawned.shedConnections?.(count)
  }

  /** Stops taking requests, then stops the process. Idempotent. */
  stop (graceMs?: number): ReturnType<SpawnedProcess['stop']> {
    if (this.live) this.state = 'stopping'
    return this.#spawned.stop(graceMs)
  }

  /** Ends a stuck process at once (SIGKILL). */
  kill (): void {
    if (this.live) this.state = 'stopping'
    this.#spawned.kill()
  }
}
