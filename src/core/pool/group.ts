// One app's processes, as a state machine: checkout (through the balancer, else the queue), release, the spawn
// decision, exits. The policies it applies live beside it: back-off.ts, rolling-restart.ts (restarts and graceful
// replacement), recycling.ts, out-of-band.ts, idle-reaper.ts, tunnel-drain.ts. Knows nothing of HTTP; gets its
// loader, clock and timers from whoever builds it.
import { FerryError, isFerryError } from '../errors.js'
import type { AppSpec, Loader, ExitInfo, ProcessStats } from '../spawn/loader.js'
import { AppProcess } from './app-process.js'
import { pickLeastBusy, pickProcess, stickyTarget } from './balancer.js'
import { pickHandAhead } from './hand-ahead.js'
import type { QueueCancel } from './queue-leave.js'
import { WaitQueue, type Waiter } from './wait-queue.js'
import type { EventEmitter } from 'node:events'
import type { GroupEventMap } from './event-map.js'
import { randomId } from './random-id.js'
import { Backoff, diedEarly, hadGoodRun } from './backoff.js'
import { RollingRestart } from './rolling-restart.js'
import { checkMemory, reachedMaxRequests } from './recycling.js'
import { OutOfBand, batchWantsOob, wantsOob } from './out-of-band.js'
import { idleToStop, reapEvery } from './idle-reaper.js'
import { DEFAULT_TUNNEL_DRAIN_MS, TunnelDrains } from './tunnel-drain.js'
import { nodeTimers, type TimerHandle, type Timers } from './timers.js'

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
  /** Where its timers are set; default Node's (unref'd). Unit tests pass a fake clock's. */
  readonly timers?: Timers
  readonly events: EventEmitter<GroupEventMap<Group>>
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


export class Group {
  readonly name: string
  readonly processes: AppProcess[] = []
  readonly queue = new WaitQueue<AppProcess>()
  spawning = 0
  queueOverflows = 0
  #o: GroupOptions
  readonly #timers: Timers
  readonly #abort = new AbortController()
  /** Why it takes no more requests (app removed, or shutting down); undefined while it serves. */
  #halted: FerryError | undefined
  #reaper: TimerHandle | undefined
  #memoryTimer: TimerHandle | undefined
  readonly #backoff: Backoff
  readonly #roll: RollingRestart
  readonly #oob: OutOfBand
  readonly #tunnelDrains: TunnelDrains
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
    this.#timers = options.timers ?? nodeTimers
    this.name = options.app.root
    this.lastActivity = options.now()
    this.generationStartedAt = this.lastActivity
    this.#backoff = new Backoff(this.#timers)
    this.#roll = new RollingRestart({
      processes: this.processes,
      halted: () => this.#halted !== undefined,
      spawning: () => this.spawning,
      backoffLeft: () => this.#backoff.until - this.#o.now(),
      retryAfter: (ms, fn) => this.#backoff.retryAfter(ms, fn),
      mayGrow: () => this.#mayGrow(),
      spawnOne: () => this.#spawnOne(),
      retire: p => this.#retire(p),
      maybeSpawn: () => this.#maybeSpawn(),
      recycling: (p, reason) => this.#o.events.emit('recycle', this, p, reason)
    })
    this.#oob = new OutOfBand({
      processes: this.processes,
      liveCount: () => this.liveCount,
      maxOob: () => this.maxOob,
      timeoutMs: () => this.#o.oobTimeoutMs,
      emit: (p, phase) => this.#o.events.emit('oobWork', this, p, phase),
      backInRotation: p => {
        if (p.stickyWaiters.length > 0) this.#serveStickyWaiters(p)
        this.#drain()
      }
    })
    this.#tunnelDrains = new TunnelDrains({
      timers: this.#timers,
      drainMs: () => this.#o.tunnelDrainMs ?? DEFAULT_TUNNEL_DRAIN_MS,
      mayKeep: options.mayKeepForTunnels,
      stop: p => this.#stopProcess(p),
      emit: (p, phase) => this.#o.events.emit('tunnelDrain', this, p, phase)
    })
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
    this.#timers.clear(this.#reaper)
    this.#timers.clear(this.#memoryTimer)
    this.#reaper = this.#memoryTimer = undefined
    if (o.idleTimeMs > 0) this.#reaper = this.#timers.setInterval(() => this.#reapIdle(), reapEvery(o.idleTimeMs))
    const limit = o.memoryLimitKb ?? 0
    const measure = o.measureMemoryKb
    if (limit > 0 && measure !== undefined) {
      const host = {
        processes: this.processes,
        beingReplaced: (p: AppProcess) => this.#roll.includes(p),
        replace: (p: AppProcess) => this.#roll.replace(p, 'memory-limit'),
        over: (p: AppProcess, kb: number, limitKb: number) => this.#o.events.emit('memoryOver', this, p, kb, limitKb)
      }
      this.#memoryTimer = this.#timers.setInterval(() => { void checkMemory(host, limit, measure) }, o.memoryCheckMs ?? 5_000)
    }
  }

  /**
   * New settings (a reload changed the app's configuration): processes spawned from now on use them, and a
   * rolling restart replaces the running ones, so the app keeps serving throughout.
   */
  reconfigure (options: Omit<GroupOptions, 'hasRoom' | 'mayKeepForTunnels' | 'now' | 'timers' | 'events'>): void {
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
    this.#halt(new FerryError('E_APP_REMOVED', `${this.name} was removed from the configuration`))
    for (const p of this.processes) this.#retire(p)
    await Promise.all(this.processes.map(p => p.exited))
  }

  /** Takes no more requests: timers stop, a spawn in progress is aborted, every waiting request gets `why`. */
  #halt (why: FerryError): void {
    this.#halted = why
    this.#timers.clear(this.#reaper)
    this.#timers.clear(this.#memoryTimer)
    this.#backoff.cancelRetry()
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
  /** Consecutive failed starts (spawn errors and early deaths); resets on a good start. */
  get failures (): number { return this.#backoff.failures }
  get lastSpawnError (): FerryError | undefined { return this.#backoff.lastError }
  /** No spawn before this (ms since the epoch): the back-off after failed starts. */
  get backoffUntil (): number { return this.#backoff.until }
  /** The command that starts one of its processes, as the loader runs it. */
  get startCommand (): string { return this.#o.loader.startCommand?.(this.app) ?? this.app.startCommand ?? '' }
  /** A rolling restart is still replacing old processes. */
  get restarting (): boolean { return this.#roll.active }
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
    const p = pickProcess(this.processes, stickyId)
    if (p === undefined) return undefined
    p.sessions++
    p.lastUsed = this.lastActivity = this.#o.now()
    if (p.totallyBusy) this.#maybeSpawn()
    return p
  }

  /** The live process a sticky cookie names, if any. */
  stickyProcess (stickyId: string): AppProcess | undefined { return stickyTarget(this.processes, stickyId) }

  /**
   * Checks out a process, waiting in the queue (and spawning) when none is free. `mayWaitAtProcess`: the request may be
   * handed ahead to a busy one-at-a-time process (hand-ahead.ts); the caller says so only for one safe to send again.
   */
  acquire (signal?: QueueCancel, stickyId?: string, mayWaitAtProcess = false): Promise<AppProcess> {
    const p = this.checkout(stickyId)
    if (p !== undefined) return Promise.resolve(p)
    return this.waitForProcess(signal, stickyId, mayWaitAtProcess)
  }

  /**
   * What acquire() does once checkout() found no process free, for a caller that has just tried checkout() itself
   * (the request pipeline): the balancer is not asked again for the same answer.
   */
  waitForProcess (signal?: QueueCancel, stickyId?: string, mayWaitAtProcess = false): Promise<AppProcess> {
    if (this.#halted !== undefined) return Promise.reject(this.#halted)
    const b = this.#backoff
    const crashLooping = b.lastError !== undefined && this.capacity === 0 && b.until > this.#o.now()
    if (crashLooping) return Promise.reject(b.lastError)
    if (this.#o.maxQueue > 0 && this.queue.length + this.#stickyWaiting >= this.#o.maxQueue) {
      this.queueOverflows++
      this.#o.events.emit('queueFull', this)
      return Promise.reject(new FerryError('E_QUEUE_FULL', `request queue full (max ${this.#o.maxQueue}) for ${this.name}`))
    }
    const ahead = mayWaitAtProcess && stickyId === undefined && this.queue.length === 0 ? this.#handAhead() : undefined
    if (ahead !== undefined) { ahead.sessions++; return Promise.resolve(ahead) }
    const named = stickyId === undefined ? undefined : this.stickyProcess(stickyId)
    return this.#enqueue(signal, named, mayWaitAtProcess)
  }

  #enqueue (signal: QueueCancel | undefined, sticky: AppProcess | undefined, mayWaitAtProcess: boolean): Promise<AppProcess> {
    return new Promise<AppProcess>((resolve, reject) => {
      const waiter: Waiter<AppProcess> = { enqueuedAt: this.lastActivity = this.#o.now(), resolve, reject, cancelled: false, mayWaitAtProcess }
      if (sticky !== undefined) { sticky.stickyWaiters.push(waiter); this.#stickyWaiting++ } else this.queue.push(waiter)
      signal?.addEventListener('abort', () => {
        if (waiter.cancelled) return
        // A sticky waiter is moved to the queue when its process goes away (#serveStickyWaiters): it leaves from where it is.
        if (sticky !== undefined && sticky.stickyWaiters.includes(waiter)) { waiter.cancelled = true; this.#stickyWaiting-- } else this.queue.cancel(waiter)
        reject(signal.reason)
      }, { once: true })
      this.#maybeSpawn()
    })
  }

  /**
   * Ends one request's use of a process. `oobRequested`: the app asked for out-of-band work (X-Ferry-OOB-Work).
   * `failure`: why the core ended it before a complete answer, if it did. Recycling decisions are made here, between
   * requests, so they never cut one short.
   */
  release (p: AppProcess, oobRequested = false, failure?: unknown): void {
    p.sessions--
    p.processed++
    if (failure === undefined || (isFerryError(failure) && failure.code === 'E_CLIENT_GONE')) p.finished++
    // lastUsed is the start of the request the process executes while it has one (hand-ahead.ts goes by it): one the
    // core cut short may still be executing (its client left), or be one handed ahead that had not begun.
    if (failure === undefined || p.sessions === 0) p.lastUsed = this.#o.now()
    if (p.state === 'ready') {
      if (reachedMaxRequests(p.processed, this.#o.maxRequests ?? 0)) this.#roll.replace(p, 'max-requests')
      else if (wantsOob(p.processed, this.#o.oobEvery ?? 0, oobRequested)) this.#oob.want(p)
    }
    this.#afterRelease(p)
  }

  /**
   * Gives back a process checked out for a request that was never sent to it (its client left first): nothing is
   * counted as processed or finished, so hand-ahead's `finished` still tells whether a request waiting there began.
   */
  giveBack (p: AppProcess): void {
    p.sessions--
    if (p.sessions === 0) p.lastUsed = this.#o.now()
    this.#afterRelease(p)
  }

  /** What a process that has one request less does next: its out-of-band work or stop, then waiting requests. */
  #afterRelease (p: AppProcess): void {
    if (p.sessions === 0) {
      if (p.state === 'oob') void this.#oob.run(p)
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
    // Later, as when a process exits: the caller (a rolling restart retiring one ahead) finishes its bookkeeping first.
    if (this.#tunnelDrains.keep(p)) queueMicrotask(() => this.#roomFreed())
  }

  /** Pool room was given back (a process exited, or is kept only for its tunnels): a restart or queue may go on. */
  #roomFreed (): void {
    this.#roll.roomFreed()
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
    // A loader that executes one request at a time and is stuck in one will never begin those handed ahead to it
    // (hand-ahead.ts): killed now, so that they go to another process (the proxy sends them on) instead of waiting.
    if (reason === 'stuck' && p.sessions > 1 && this.#o.loader.concurrency === 1) p.kill()
    this.#maybeSpawn()
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
    this.#backoff.reset()
    const old = this.processes.filter(p => p.live)
    if (method === 'blocking') {
      this.#roll.forget()
      for (const p of old) this.#retire(p)
      this.#maybeSpawn()
      return
    }
    this.#roll.begin(old)
  }

  #retire (p: AppProcess): void {
    if (!p.live) return
    p.state = 'stopping'
    // A process that accepts its clients itself is the only one that can stop its intake: its stop() drains it.
    if (p.sessions === 0 || p.acceptsItself) this.#stopOrDrain(p)
    if (p.stickyWaiters.length > 0) this.#serveStickyWaiters(p)
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
      // The head of the queue only: one that must not wait at a process keeps those behind it in the queue (FIFO).
      const p = free ?? (this.queue.peek()?.mayWaitAtProcess === true ? this.#handAhead() : undefined)
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
    return pickHandAhead(this.processes, this.#o.now(), this.#o.maxRequests ?? 0)
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
    const before = p.processed
    p.processed = s.processed
    p.bytesIn = s.bytesIn
    p.bytesOut = s.bytesOut
    this.#o.events.emit('processStats', this, p, s)
    if (p.state === 'ready' && reachedMaxRequests(p.processed, this.#o.maxRequests ?? 0)) this.#roll.replace(p, 'max-requests')
    else if (p.state === 'ready' && batchWantsOob(before, p.processed, this.#o.oobEvery ?? 0)) this.#oob.want(p)
  }

  /** A process that accepts its clients itself passed on its app's X-Ferry-OOB-Work. */
  reportOobWanted (pid: number): void {
    const p = this.processes.find(x => x.pid === pid)
    if (p !== undefined && p.state === 'ready') this.#oob.want(p)
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
    if (this.#halted !== undefined || this.spawning > 0 || !this.#wantsProcess() || !this.#mayGrow()) return
    const wait = this.#backoff.until - this.#o.now()
    if (wait > 0) {
      this.#backoff.retryAfter(wait, () => this.#maybeSpawn())
      return
    }
    this.#spawnOne()
  }

  #spawnOne (): void {
    this.spawning++
    const hooks = {
      onOutput: (pid: number, stream: 'stdout' | 'stderr', line: string) => this.#o.events.emit('output', this, pid, stream, line),
      onLoad: (pid: number, elu: number) => this.reportLoad(pid, elu),
      onStats: (pid: number, stats: ProcessStats) => this.reportStats(pid, stats),
      onOobWanted: (pid: number) => this.reportOobWanted(pid)
    }
    this.#o.events.emit('spawning', this)
    const begun = { at: this.#o.now(), generation: this.generationStartedAt, groupUuid: this.uuid }
    this.#o.loader.spawn(this.app, hooks, this.#abort.signal).then(spawned => {
      this.spawning--
      // Sticky ids are decimal: Passenger's sticky_session_id is an integer, and status views print this one.
      const p = new AppProcess(spawned, this.#o.now(), this.#o.concurrency, String(this.#nextStickyId++), begun)
      this.processes.push(p)
      void p.exited.then(info => this.#onExit(p, info))
      if (this.#halted !== undefined) { void p.stop(this.#o.stopGraceMs); return }
      this.#backoff.lastError = undefined
      this.#o.events.emit('spawned', this, p)
      this.#drain()
      this.#roll.spawned()
      this.#maybeSpawn()
    }, (err: unknown) => {
      this.spawning--
      if (this.#halted !== undefined) return
      // A rolling restart whose new version does not start leaves the old processes serving.
      this.#roll.failed()
      this.#recordFailure(err instanceof FerryError ? err : new FerryError('E_SPAWN_FAILED', String(err), { cause: err }))
    })
  }

  #recordFailure (err: FerryError): void {
    const now = this.#o.now()
    this.#backoff.record(err, now, this.processes.some(p => p.live && hadGoodRun(p, now)))
    this.#o.events.emit('spawnFailed', this, err)
    // Queued requests were waiting for this spawn when nothing else can serve them: they get the error now.
    if (this.liveCount === 0) this.queue.rejectAll(err)
    this.#maybeSpawn()
  }

  #onExit (p: AppProcess, info: ExitInfo): void {
    const unexpected = p.live
    p.state = 'dead'
    this.#tunnelDrains.forget(p)
    const i = this.processes.indexOf(p)
    if (i >= 0) this.processes.splice(i, 1)
    if (p.stickyWaiters.length > 0) this.#serveStickyWaiters(p)
    this.#o.events.emit('exited', this, p, info, unexpected)
    this.#roll.roomFreed()
    const now = this.#o.now()
    if (hadGoodRun(p, now)) this.#backoff.failures = 0
    if (unexpected) {
      if (diedEarly(p, now)) this.#recordFailure(new FerryError('E_SPAWN_EXITED', `app process ${p.pid} of ${this.name} died ${describeExit(info)} soon after starting`))
      else this.#backoff.failures = 0
    }
    this.#maybeSpawn()
  }

  #reapIdle (): void {
    const o = this.#o
    for (const p of idleToStop(this.processes, this.liveCount, o.minInstances, o.idleTimeMs, o.now())) {
      p.state = 'stopping'
      this.#o.events.emit('idleStop', this, p)
      void p.stop(o.stopGraceMs)
    }
  }

  /** Stops accepting requests, rejects the queue and stops every process. */
  async stop (graceMs = this.#o.stopGraceMs): Promise<void> {
    this.#halt(new FerryError('E_SHUTTING_DOWN', 'Ferry is shutting down'))
    await Promise.all(this.processes.map(p => p.stop(graceMs)))
  }
}

export function describeExit (info: ExitInfo): string {
  return info.signal !== null ? `by signal ${info.signal}` : `with code ${info.code ?? '?'}`
}
