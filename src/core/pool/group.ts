// One app's processes: checkout (least busy, else queue), the spawn decision, crash handling with back-off, and
// the idle reaper. Knows nothing of HTTP; gets its loader and clock from whoever builds it.
import { FerryError } from '../errors.js'
import type { AppSpec, Loader, ExitInfo, ProcessStats } from '../spawn/loader.js'
import { AppProcess } from './app-process.js'
import { pickLeastBusy } from './balancer.js'
import { pickHandAhead } from './hand-ahead.js'
import type { QueueCancel } from './queue-leave.js'
import { WaitQueue, type Waiter } from './wait-queue.js'
import type { PoolEvents } from './events.js'
import { randomId } from './random-id.js'

export interface GroupOptions {
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
  readonly events: PoolEvents
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

export type RecycleReason = 'max-requests' | 'memory-limit' | 'stuck' | 'unreachable'

/** A process that dies sooner than this after starting counts as a failed start for the back-off. */
const EARLY_DEATH_MS = 10_000
/**
 * A process that has been up this long and answered at least one request proves the app starts and serves: the
 * back-off starts again from its first step (250 ms) for whatever fails next, instead of where an old crash loop
 * left it (30 s). Half of EARLY_DEATH_MS: past start-up and its first requests, which is where crash loops die, and
 * soon enough that a crash loop fixed a few seconds ago does not turn one early death into a 30 s outage.
 */
const GOOD_RUN_MS = 5_000
const MAX_BACKOFF_MS = 30_000
const DEFAULT_OOB_TIMEOUT_MS = 60_000
/** --websocket-drain-time's default: long enough for most sessions to end on their own, short enough for a deploy. */
export const DEFAULT_TUNNEL_DRAIN_MS = 300_000

export class Group {
  readonly name: string
  readonly processes: AppProcess[] = []
  readonly queue = new WaitQueue<AppProcess>()
  spawning = 0
  queueOverflows = 0
  /** Consecutive failed starts (spawn errors and early deaths); resets on a good start. */
  failures = 0
  lastSpawnError: FerryError | undefined
  backoffUntil = 0
  #o: GroupOptions
  readonly #abort = new AbortController()
  #stopped = false
  #retryTimer: NodeJS.Timeout | undefined
  #reaper: NodeJS.Timeout | undefined
  /** Old processes a rolling restart has yet to replace, oldest first. */
  #toReplace: AppProcess[] = []
  /** Old processes retired before their replacement was spawned (the pool had no room for one more). */
  #retiredAhead = 0
  #rollingSpawn = false
  #memoryTimer: NodeJS.Timeout | undefined
  /** Retired processes kept only for their tunnels, and the timer that stops each at the end of the drain time. */
  readonly #tunnelDrains = new Map<AppProcess, NodeJS.Timeout>()
  /** A restart asked for by restart.txt, applied by the next request (see applyPendingRestart). */
  #restartPending = false
  /** When a request last arrived for this app (ms since the epoch). */
  lastActivity: number
  /** tmp/always_restart.txt exists: every request restarts the app (development). */
  alwaysRestart = false
  /** Requests waiting for the process their sticky cookie names. */
  #stickyWaiting = 0
  #nextStickyId = 1
  /** Names this generation of the app (Passenger's group UUID): a new one on every restart. */
  uuid = randomId(20)
  /**
   * When this generation began (creation or the last restart), ms since the epoch: Passenger's spawner creation time,
   * since each restart starts processes afresh the way Passenger's new spawner does.
   */
  generationStartedAt: number

  constructor (options: GroupOptions) {
    this.#o = options
    this.name = options.app.root
    this.lastActivity = options.now()
    this.generationStartedAt = this.lastActivity
    this.#startTimers()
  }

  /**
   * Each process takes one request at a time (Python and Ruby apps, or --concurrency 1): the core reads a request's
   * body whole before it checks one out (request-spool.ts), so a slow client cannot hold it.
   */
  get oneAtATime (): boolean {
    const o = this.#o
    return (o.concurrency > 0 ? o.concurrency : o.loader.concurrency ?? 0) === 1
  }

  /** How processes are started; replaced by reconfigure(). */
  get app (): AppSpec { return this.#o.app }

  #startTimers (): void {
    const o = this.#o
    clearInterval(this.#reaper)
    clearInterval(this.#memoryTimer)
    this.#reaper = this.#memoryTimer = undefined
    if (o.idleTimeMs > 0) {
      const every = Math.max(250, Math.min(o.idleTimeMs / 2, 10_000))
      this.#reaper = setInterval(() => this.#reapIdle(), every).unref()
    }
    if ((o.memoryLimitKb ?? 0) > 0 && o.measureMemoryKb !== undefined) {
      this.#memoryTimer = setInterval(() => { void this.#checkMemory() }, o.memoryCheckMs ?? 5_000).unref()
    }
  }

  /**
   * New settings (a reload changed the app's configuration): processes spawned from now on use them, and a
   * rolling restart replaces the running ones, so the app keeps serving throughout.
   */
  reconfigure (options: Omit<GroupOptions, 'hasRoom' | 'mayKeepForTunnels' | 'now' | 'events'>): void {
    if (options.app.root !== this.name) throw new Error(`reconfigure: ${options.app.root} is not ${this.name}`)
    this.#o = { ...this.#o, ...options }
    this.#startTimers()
    this.restart('rolling')
  }

  /**
   * The app was removed: no new requests, queued ones are refused, processes finish what they serve and stop.
   * Resolves once they are all gone.
   */
  async drainAndStop (): Promise<void> {
    this.#halt(new FerryError('E_QUEUE_FULL', `${this.name} was removed from the configuration`))
    for (const p of this.processes) this.#retire(p)
    await Promise.all(this.processes.map(p => p.exited))
  }

  /** Takes no more requests: timers stop, a spawn in progress is aborted, every waiting request gets `why`. */
  #halt (why: FerryError): void {
    this.#stopped = true
    clearInterval(this.#reaper)
    clearInterval(this.#memoryTimer)
    clearTimeout(this.#retryTimer)
    this.#abort.abort(why)
    this.queue.rejectAll(why)
    for (const p of this.processes) {
      for (const w of p.stickyWaiters.splice(0)) if (!w.cancelled) w.reject(why)
    }
  }

  get capacity (): number { return this.liveCount + this.spawning }
  /** Processes that serve or will serve again (ready, or away for out-of-band work). */
  get liveCount (): number { return this.processes.filter(p => p.live).length }
  /** Processes taking requests right now. */
  get readyCount (): number { return this.processes.filter(p => p.state === 'ready').length }
  get minInstances (): number { return this.#o.minInstances }
  /** 0 = up to the pool size. */
  get maxInstances (): number { return this.#o.maxInstances }
  get maxOob (): number { return this.#o.maxOob ?? 1 }
  get maxQueue (): number { return this.#o.maxQueue }
  /** The command that starts one of its processes, as the loader runs it. */
  get startCommand (): string { return this.#o.loader.startCommand?.(this.app) ?? this.app.startCommand ?? '' }
  /** A rolling restart is still replacing old processes. */
  get restarting (): boolean { return this.#toReplace.length > 0 || this.#retiredAhead > 0 || this.#rollingSpawn }
  get outputLimit (): OutputLimit | undefined { return this.#o.outputLimit }
  get restartPending (): boolean { return this.#restartPending || this.alwaysRestart }
  get defaultRestartMethod (): 'blocking' | 'rolling' { return this.#o.rollingRestarts === true ? 'rolling' : 'blocking' }

  /** Pre-starts processes up to min-instances. */
  start (): void { this.#maybeSpawn() }

  /** restart.txt changed: the next request restarts the app. */
  requestRestart (): void {
    this.#restartPending = true
    // No request passes through the core of a bypassed app to apply it: it is applied now.
    if (this.processes.some(p => p.acceptsItself)) this.applyPendingRestart()
  }

  /** Called by the request path when restartPending is true, before it checks out a process. */
  applyPendingRestart (): void {
    const always = this.alwaysRestart
    this.#restartPending = false
    this.#o.events.emit('restartFile', this, always)
    // Always-restart is for development: each request gets a fresh process, so the blocking method.
    this.restart(always ? 'blocking' : this.defaultRestartMethod)
  }

  /**
   * The fast path: a process with a free slot, checked out, or undefined. `stickyId` (from the sticky-sessions
   * cookie) names the process to prefer; when that one is alive but full, undefined, so the caller waits for it.
   */
  checkout (stickyId?: string): AppProcess | undefined {
    let p: AppProcess | undefined
    if (stickyId !== undefined) {
      const named = this.stickyProcess(stickyId)
      if (named !== undefined) {
        if (named.state !== 'ready' || named.totallyBusy) return undefined
        p = named
      }
    }
    p ??= pickLeastBusy(this.processes)
    if (p === undefined) return undefined
    p.sessions++
    p.lastUsed = this.lastActivity = this.#o.now()
    if (p.totallyBusy) this.#maybeSpawn()
    return p
  }

  /** The live process a sticky cookie names, if any. */
  stickyProcess (stickyId: string): AppProcess | undefined {
    for (const p of this.processes) if (p.stickyId === stickyId && p.live) return p
    return undefined
  }

  /** Checks out a process, waiting in the queue (and spawning) when none is free. */
  acquire (signal?: QueueCancel, stickyId?: string): Promise<AppProcess> {
    const p = this.checkout(stickyId)
    if (p !== undefined) return Promise.resolve(p)
    if (this.#stopped) return Promise.reject(new FerryError('E_QUEUE_FULL', 'Ferry is shutting down'))
    const crashLooping = this.lastSpawnError !== undefined && this.capacity === 0 && this.backoffUntil > this.#o.now()
    if (crashLooping) return Promise.reject(this.lastSpawnError)
    if (this.#o.maxQueue > 0 && this.queue.length + this.#stickyWaiting >= this.#o.maxQueue) {
      this.queueOverflows++
      this.#o.events.emit('queueFull', this)
      return Promise.reject(new FerryError('E_QUEUE_FULL', `request queue full (max ${this.#o.maxQueue}) for ${this.name}`))
    }
    const ahead = stickyId === undefined && this.queue.length === 0 ? this.#handAhead() : undefined
    if (ahead !== undefined) { ahead.sessions++; return Promise.resolve(ahead) }
    const named = stickyId === undefined ? undefined : this.stickyProcess(stickyId)
    return this.#enqueue(signal, named)
  }

  #enqueue (signal: QueueCancel | undefined, sticky: AppProcess | undefined): Promise<AppProcess> {
    return new Promise<AppProcess>((resolve, reject) => {
      const waiter: Waiter<AppProcess> = { enqueuedAt: this.lastActivity = this.#o.now(), resolve, reject, cancelled: false }
      if (sticky !== undefined) { sticky.stickyWaiters.push(waiter); this.#stickyWaiting++ } else this.queue.push(waiter)
      signal?.addEventListener('abort', () => {
        if (waiter.cancelled) return
        if (sticky !== undefined) { waiter.cancelled = true; this.#stickyWaiting-- } else this.queue.cancel(waiter)
        reject(signal.reason)
      }, { once: true })
      this.#maybeSpawn()
    })
  }

  /**
   * Ends one request's use of a process. `oobRequested`: the app asked for out-of-band work (X-Ferry-OOB-Work).
   * Recycling decisions are made here, between requests, so they never cut one short.
   */
  release (p: AppProcess, oobRequested = false): void {
    p.sessions--
    p.processed++
    p.lastUsed = this.#o.now()
    if (p.state === 'ready') {
      const max = this.#o.maxRequests ?? 0
      const every = this.#o.oobEvery ?? 0
      if (max > 0 && p.processed >= max) this.#replace(p, 'max-requests')
      else if (oobRequested || (every > 0 && p.processed % every === 0)) this.#wantOob(p)
    }
    if (p.sessions === 0) {
      if (p.state === 'oob') void this.#runOob(p)
      else if (p.state === 'stopping') this.#stopOrDrain(p)
    }
    if (p.stickyWaiters.length > 0) this.#serveStickyWaiters(p)
    this.#drain()
  }

  #stopProcess (p: AppProcess): void {
    if (p.killWhenIdle) p.kill()
    else void p.stop(this.#o.stopGraceMs)
  }

  /**
   * The request that checked `p` out turned its connection into a tunnel (the app answered an Upgrade with 101):
   * its request slot is free again, and the process is kept for the tunnel until closeTunnel().
   */
  toTunnel (p: AppProcess): void {
    p.tunnels++
    this.release(p)
  }

  /** A tunnel on `p` closed; called once per toTunnel(). A retired process goes once its last tunnel has. */
  closeTunnel (p: AppProcess): void {
    p.tunnels--
    p.lastUsed = this.#o.now()
    if (p.state === 'stopping' && p.sessions === 0 && p.tunnels === 0) this.#stopProcess(p)
  }

  /**
   * A retired process whose requests are done: it stops now, or, when it still carries tunnels, at the latest after
   * the drain time. Meanwhile it no longer counts against the pool (see AppProcess.onlyTunnelsLeft), so its
   * replacement starts at once and a restart never waits for long-lived connections.
   */
  #stopOrDrain (p: AppProcess): void {
    if (p.tunnels === 0 || p.killWhenIdle) { this.#stopProcess(p); return }
    if (this.#tunnelDrains.has(p)) return
    if (this.#o.mayKeepForTunnels?.() === false) {
      // Too many kept for tunnels (this one counted): this group's oldest one goes now, closing its tunnels, or else this one.
      const oldest = this.#tunnelDrains.keys().next().value as AppProcess | undefined
      if (oldest === undefined) { this.#endDrain(p); return }
      this.#endDrain(oldest)
    }
    const ms = this.#o.tunnelDrainMs ?? DEFAULT_TUNNEL_DRAIN_MS
    this.#tunnelDrains.set(p, setTimeout(() => { if (p.state !== 'dead') this.#endDrain(p) }, ms).unref())
    this.#o.events.emit('tunnelDrain', this, p, 'waiting')
    // Later, as when a process exits: the caller (a rolling restart retiring one ahead) finishes its bookkeeping first.
    queueMicrotask(() => this.#roomFreed())
  }

  /** A process kept for its tunnels stops now, which closes them. */
  #endDrain (p: AppProcess): void {
    clearTimeout(this.#tunnelDrains.get(p))
    this.#tunnelDrains.delete(p)
    this.#o.events.emit('tunnelDrain', this, p, 'closing')
    this.#stopProcess(p)
  }

  /** Pool room was given back (a process exited, or is kept only for its tunnels): a restart or queue may go on. */
  #roomFreed (): void {
    if (this.#retiredAhead > 0 && !this.#rollingSpawn) this.#rollOn()
    this.#maybeSpawn()
  }

  /** Hands the process to the requests waiting for it by cookie; if it will not serve again, they wait for any. */
  #serveStickyWaiters (p: AppProcess): void {
    while (p.stickyWaiters.length > 0) {
      if (p.state === 'ready' && p.totallyBusy) return
      const w = p.stickyWaiters.shift()!
      if (w.cancelled) continue
      this.#stickyWaiting--
      if (p.state === 'ready') {
        p.sessions++
        p.lastUsed = this.#o.now()
        w.cancelled = true
        w.resolve(p)
      } else if (p.state !== 'oob') {
        this.queue.push(w)
      } else {
        p.stickyWaiters.unshift(w)
        this.#stickyWaiting++
        return
      }
    }
  }

  /**
   * A stuck process (--max-request-time), or one that refuses connections (`unreachable`: it died and its exit is
   * not handled yet, or its socket is gone): out of rotation now, killed once its other requests end or time out.
   */
  abandon (p: AppProcess, reason: 'stuck' | 'unreachable' = 'stuck'): void {
    if (p.state === 'dead' || p.killWhenIdle) return
    this.#o.events.emit('recycle', this, p, reason)
    p.killWhenIdle = true
    // Retiring a process killWhenIdle stops it with SIGKILL once its requests end (see #stopProcess).
    if (p.live) this.#retire(p)
    else if (p.sessions === 0) p.kill()
    this.#maybeSpawn()
  }

  /**
   * Replaces one process gracefully. When another process can take its requests it leaves rotation at once (and a
   * replacement is spawned if the group needs one); when it is the only one serving, a replacement is spawned first
   * and it keeps serving until that one is ready, so visitors never wait. Called again for a process already
   * waiting for its replacement, it leaves as soon as another process is ready.
   */
  #replace (p: AppProcess, reason: RecycleReason): void {
    if (!p.live) return
    const waiting = this.#toReplace.includes(p)
    if (!waiting) this.#o.events.emit('recycle', this, p, reason)
    const others = this.processes.some(q => q !== p && q.state === 'ready' && !this.#toReplace.includes(q))
    if (others) {
      if (waiting) this.#toReplace.splice(this.#toReplace.indexOf(p), 1)
      this.#retire(p)
      this.#maybeSpawn()
      return
    }
    if (waiting) return
    this.#toReplace.push(p)
    this.#rollOn()
  }

  #wantOob (p: AppProcess): void {
    if (!p.supportsOob) return
    p.oobWanted = true
    this.#startOob()
  }

  /** Takes processes that want out-of-band work out of rotation, at most maxOob at a time. */
  #startOob (): void {
    const max = this.#o.maxOob ?? 1
    let out = 0
    for (const p of this.processes) if (p.state === 'oob') out++
    for (const p of this.processes) {
      if (out >= max) return
      if (!p.oobWanted || p.state !== 'ready') continue
      // Visitors must not meet a pause: another process keeps serving, unless the app has only this one.
      const others = this.processes.some(q => q !== p && q.state === 'ready')
      if (!others && this.liveCount > 1) continue
      p.oobWanted = false
      p.state = 'oob'
      out++
      if (p.sessions === 0) void this.#runOob(p)
    }
  }

  async #runOob (p: AppProcess): Promise<void> {
    if (p.oobRunning) return
    p.oobRunning = true
    this.#o.events.emit('oobWork', this, p, 'start')
    const done = await p.oobWork(this.#o.oobTimeoutMs ?? DEFAULT_OOB_TIMEOUT_MS)
    p.oobRunning = false
    this.#o.events.emit('oobWork', this, p, done ? 'done' : 'timeout')
    if (p.state !== 'oob') return
    p.state = 'ready'
    if (p.stickyWaiters.length > 0) this.#serveStickyWaiters(p)
    this.#drain()
    this.#startOob()
  }

  async #checkMemory (): Promise<void> {
    const limit = this.#o.memoryLimitKb ?? 0
    const measure = this.#o.measureMemoryKb
    if (limit <= 0 || measure === undefined) return
    for (const p of this.processes) {
      if (!p.live) continue
      if (this.#toReplace.includes(p)) { this.#replace(p, 'memory-limit'); continue }
      const kb = await measure(p.pid)
      if (kb !== undefined && kb > limit && p.live) {
        this.#o.events.emit('memoryOver', this, p, kb, limit)
        this.#replace(p, 'memory-limit')
      }
    }
  }

  /**
   * Replaces every process. Blocking: all stop taking requests at once (they finish what they serve) and new ones
   * are spawned; requests wait meanwhile. Rolling: one at a time, a new process is spawned and only once it is
   * ready does an old one stop, so the app keeps serving; if a new one fails to start, the old ones stay.
   */
  restart (method: 'blocking' | 'rolling' = this.defaultRestartMethod): void {
    this.uuid = randomId(20)
    this.generationStartedAt = this.#o.now()
    this.#o.events.emit('restart', this, method)
    // Someone changed something (a deploy, a fix): try it now rather than after the old crash loop's back-off.
    this.#resetBackoff()
    const old = this.processes.filter(p => p.live)
    if (method === 'blocking') {
      this.#toReplace = []
      for (const p of old) this.#retire(p)
      this.#maybeSpawn()
      return
    }
    this.#toReplace = old
    this.#rollOn()
  }

  #retire (p: AppProcess): void {
    if (!p.live) return
    p.state = 'stopping'
    // A process that accepts its clients itself is the only one that can stop its intake: its stop() drains it.
    if (p.sessions === 0 || p.acceptsItself) this.#stopOrDrain(p)
    if (p.stickyWaiters.length > 0) this.#serveStickyWaiters(p)
  }

  #rollOn (): void {
    this.#toReplace = this.#toReplace.filter(p => p.live)
    if (this.#stopped || (this.#toReplace.length === 0 && this.#retiredAhead === 0) || this.spawning > 0) return
    const wait = this.backoffUntil - this.#o.now()
    if (wait > 0) {
      this.#retryTimer ??= setTimeout(() => { this.#retryTimer = undefined; this.#rollOn(); this.#maybeSpawn() }, wait).unref()
      return
    }
    if (this.#mayGrow()) { this.#rollingSpawn = true; this.#spawnOne(); return }
    // No room for one more: retire one first (the app briefly has one process fewer) and spawn once it is gone.
    if (this.#retiredAhead > 0 || this.#toReplace.length === 0) return
    this.#retire(this.#toReplace.shift()!)
    this.#retiredAhead++
  }

  #rolledOne (): void {
    if (!this.#rollingSpawn) { this.#rollOn(); return }
    this.#rollingSpawn = false
    this.#toReplace = this.#toReplace.filter(p => p.live)
    if (this.#retiredAhead > 0) this.#retiredAhead--
    else { const old = this.#toReplace.shift(); if (old !== undefined) this.#retire(old) }
    this.#rollOn()
  }

  /** Takes a process out of rotation; it stops once its requests are done. Returns false for an unknown PID. */
  detach (pid: number): boolean {
    const p = this.processes.find(x => x.pid === pid && x.live)
    if (p === undefined) return false
    this.#retire(p)
    this.#maybeSpawn()
    return true
  }

  #drain (): void {
    while (this.queue.length > 0) {
      const free = pickLeastBusy(this.processes)
      const p = free ?? this.#handAhead()
      if (p === undefined) return
      const w = this.queue.shift()
      if (w === undefined) return
      p.sessions++
      // lastUsed stays the start of the request a process executes: hand-ahead.ts goes by it.
      if (p === free) p.lastUsed = this.#o.now()
      w.resolve(p)
    }
  }

  /**
   * A process to give a request that would wait in the queue, while it finishes its current one (hand-ahead.ts).
   * Only where the loader itself serves one request at a time (Python, Ruby): a Node app at --concurrency 1 would
   * run a second request at once.
   */
  #handAhead (): AppProcess | undefined {
    if (this.#o.handAhead !== true || this.#o.loader.concurrency !== 1 || this.spawning > 0 || this.#mayGrow()) return undefined
    return pickHandAhead(this.processes, this.#o.now())
  }

  #wantsProcess (): boolean {
    const capacity = this.capacity
    if (capacity < this.#o.minInstances) return true
    if (this.queue.length > 0 && this.spawning === 0) return true
    // Grow when every process is saturated: at its concurrency, or (Node processes take unlimited requests, so
    // they are never "full") with an event loop busy at least --saturation-elu of the time.
    const elu = this.#o.saturationElu ?? 0
    const ready = this.processes.filter(p => p.state === 'ready')
    return ready.length > 0 && ready.every(p => p.totallyBusy || (elu > 0 && p.sessions > 0 && p.elu >= elu))
  }

  /**
   * A process that accepts its clients itself (--bypass) reported its counters: they stand for the checkouts the
   * core never saw, so views and recycling (--max-requests, idle shrink) treat it as they treat a proxied one.
   */
  reportStats (pid: number, s: ProcessStats): void {
    const p = this.processes.find(x => x.pid === pid)
    if (p === undefined) return
    p.sessions = s.inFlight
    if (s.processed > p.processed) p.lastUsed = this.lastActivity = Math.max(s.lastUsed, p.lastUsed)
    p.processed = s.processed
    p.bytesIn = s.bytesIn
    p.bytesOut = s.bytesOut
    this.#o.events.emit('processStats', this, p, s)
    const max = this.#o.maxRequests ?? 0
    if (p.state === 'ready' && max > 0 && p.processed >= max) this.#replace(p, 'max-requests')
  }

  /** A process reported its event-loop utilization. */
  reportLoad (pid: number, elu: number): void {
    const p = this.processes.find(x => x.pid === pid)
    if (p === undefined) return
    p.elu = elu
    const threshold = this.#o.saturationElu ?? 0
    if (threshold > 0 && elu >= threshold) this.#maybeSpawn()
  }

  #mayGrow (): boolean {
    const max = this.#o.maxInstances
    return (max === 0 || this.capacity < max) && this.#o.hasRoom()
  }

  #maybeSpawn (): void {
    if (this.#stopped || this.spawning > 0 || !this.#wantsProcess() || !this.#mayGrow()) return
    const wait = this.backoffUntil - this.#o.now()
    if (wait > 0) {
      this.#retryTimer ??= setTimeout(() => { this.#retryTimer = undefined; this.#maybeSpawn() }, wait).unref()
      return
    }
    this.#spawnOne()
  }

  #spawnOne (): void {
    this.spawning++
    const hooks = {
      onOutput: (pid: number, stream: 'stdout' | 'stderr', line: string) => this.#o.events.emit('output', this, pid, stream, line),
      onLoad: (pid: number, elu: number) => this.reportLoad(pid, elu),
      onStats: (pid: number, stats: ProcessStats) => this.reportStats(pid, stats)
    }
    this.#o.events.emit('spawning', this)
    const begun = { at: this.#o.now(), generation: this.generationStartedAt, groupUuid: this.uuid }
    this.#o.loader.spawn(this.app, hooks, this.#abort.signal).then(spawned => {
      this.spawning--
      // Sticky ids are decimal: Passenger's sticky_session_id is an integer, and status views print this one.
      const p = new AppProcess(spawned, this.#o.now(), this.#o.concurrency, String(this.#nextStickyId++), begun)
      this.processes.push(p)
      void p.exited.then(info => this.#onExit(p, info))
      if (this.#stopped) { void p.stop(this.#o.stopGraceMs); return }
      this.lastSpawnError = undefined
      this.#o.events.emit('spawned', this, p)
      this.#drain()
      this.#rolledOne()
      this.#maybeSpawn()
    }, (err: unknown) => {
      this.spawning--
      if (this.#stopped) return
      // A rolling restart whose new version does not start leaves the old processes serving.
      this.#toReplace = []
      this.#rollingSpawn = false
      this.#recordFailure(err instanceof FerryError ? err : new FerryError('E_SPAWN_FAILED', String(err), { cause: err }))
    })
  }

  #resetBackoff (): void {
    this.failures = 0
    this.backoffUntil = 0
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
  }

  #hadGoodRun (p: AppProcess): boolean {
    return p.processed > 0 && this.#o.now() - p.spawnedAt >= GOOD_RUN_MS
  }

  #recordFailure (err: FerryError): void {
    if (this.processes.some(p => p.live && this.#hadGoodRun(p))) this.failures = 0
    this.failures++
    this.lastSpawnError = err
    this.backoffUntil = this.#o.now() + Math.min(MAX_BACKOFF_MS, 250 * 2 ** (this.failures - 1))
    this.#o.events.emit('spawnFailed', this, err)
    // Queued requests were waiting for this spawn when nothing else can serve them: they get the error now.
    if (this.liveCount === 0) this.queue.rejectAll(err)
    this.#maybeSpawn()
  }

  #onExit (p: AppProcess, info: ExitInfo): void {
    const unexpected = p.live
    p.state = 'dead'
    clearTimeout(this.#tunnelDrains.get(p))
    this.#tunnelDrains.delete(p)
    const i = this.processes.indexOf(p)
    if (i >= 0) this.processes.splice(i, 1)
    if (p.stickyWaiters.length > 0) this.#serveStickyWaiters(p)
    this.#o.events.emit('exited', this, p, info, unexpected)
    if (this.#retiredAhead > 0 && !this.#rollingSpawn) this.#rollOn()
    if (this.#hadGoodRun(p)) this.failures = 0
    if (unexpected) {
      const early = this.#o.now() - p.spawnedAt < EARLY_DEATH_MS
      if (early) this.#recordFailure(new FerryError('E_SPAWN_EXITED', `app process ${p.pid} of ${this.name} died ${describeExit(info)} soon after starting`))
      else this.failures = 0
    }
    this.#maybeSpawn()
  }

  #reapIdle (): void {
    const now = this.#o.now()
    let ready = this.liveCount
    for (const p of this.processes) {
      if (ready <= this.#o.minInstances) break
      // An open tunnel (a WebSocket) is use, however quiet.
      if (p.state !== 'ready' || p.sessions > 0 || p.tunnels > 0 || now - p.lastUsed < this.#o.idleTimeMs) continue
      p.state = 'stopping'
      ready--
      this.#o.events.emit('idleStop', this, p)
      void p.stop(this.#o.stopGraceMs)
    }
  }

  /** Stops accepting requests, rejects the queue and stops every process. */
  async stop (graceMs = this.#o.stopGraceMs): Promise<void> {
    this.#halt(new FerryError('E_QUEUE_FULL', 'Ferry is shutting down'))
    await Promise.all(this.processes.map(p => p.stop(graceMs)))
  }
}

export function describeExit (info: ExitInfo): string {
  return info.signal !== null ? `by signal ${info.signal}` : `with code ${info.code ?? '?'}`
}
