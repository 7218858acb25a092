// One app's processes as a state machine: their states (app-process.ts) and the transitions between them, the
// queue, spawns and exits. Every decision of policy is asked of the module named for it: balancer.ts (which process),
// sticky-waits.ts, hand-ahead.ts, growth.ts (when to spawn), backoff.ts, rolling-restart.ts (restarts and graceful
// replacement), recycling.ts, out-of-band.ts, retirement.ts and tunnel-drain.ts (how a retired process goes),
// idle-reaper.ts. Knows nothing of HTTP; gets its loader, clock and timers from whoever builds it.
import { FerryError, isFerryError } from '../errors.js'
import type { AppSpec, ExitInfo } from '../spawn/loader.js'
import { AppProcess } from './app-process.js'
import { pickLeastBusy, pickProcess, stickyTarget } from './balancer.js'
import type { QueueCancel } from './queue-leave.js'
import { WaitQueue, type Waiter } from './wait-queue.js'
import type { GroupOptionsOf, OutputLimit } from './group-options.js'
import { wirePolicies, type GroupPolicies } from './group-policies.js'
import { randomId } from './random-id.js'
import { mayGrow, wantsProcess } from './growth.js'
import { nodeTimers } from './timers.js'
import { RestartRequests } from './restart-requests.js'
import { describeExit } from './describe-exit.js'

export type GroupOptions = GroupOptionsOf<Group>

export class Group {
  readonly name: string
  readonly processes: AppProcess[] = []
  readonly queue = new WaitQueue<AppProcess>()
  spawning = 0
  queueOverflows = 0
  #o: GroupOptions
  readonly #abort = new AbortController()
  /** Why it takes no more requests (app removed, or shutting down); undefined while it serves. */
  #halted: FerryError | undefined
  /** Its policies (group-policies.ts): what it asks before and after each transition. */
  readonly #p: GroupPolicies<Group>
  /** Restarts asked for by restart.txt and always_restart.txt. */
  readonly #restarts = new RestartRequests()
  /** When a request last arrived for this app (ms since the epoch). */
  lastActivity: number
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
    this.#p = wirePolicies<Group>({
      group: this,
      processes: this.processes,
      queue: this.queue,
      timers: options.timers ?? nodeTimers,
      options: () => this.#o,
      spawning: () => this.spawning,
      liveCount: () => this.liveCount,
      maxOob: () => this.maxOob,
      halted: () => this.#halted !== undefined,
      mayGrow: () => this.#mayGrow(),
      spawnOne: () => this.#spawnOne(),
      maybeSpawn: () => this.#maybeSpawn(),
      retire: p => this.#retire(p),
      drain: () => this.#drain(),
      used: at => { this.lastActivity = at }
    })
    this.#p.startTimers()
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

  /**
   * New settings (a reload changed the app's configuration): processes spawned from now on use them, and a
   * rolling restart replaces the running ones, so the app keeps serving throughout.
   */
  reconfigure (options: Omit<GroupOptions, 'hasRoom' | 'mayKeepForTunnels' | 'now' | 'timers' | 'events'>): void {
    if (options.app.root !== this.name) throw new Error(`reconfigure: ${options.app.root} is not ${this.name}`)
    this.#o = { ...this.#o, ...options }
    this.#p.startTimers()
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
    this.#p.stopTimers()
    this.#abort.abort(why)
    this.queue.rejectAll(why)
    this.#p.sticky.rejectAll(this.processes, why)
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
  /** --saturation-elu; 0 = not used. */
  get saturationElu (): number { return this.#o.saturationElu ?? 0 }
  /** Consecutive failed starts (spawn errors and early deaths); resets on a good start. */
  get failures (): number { return this.#p.backoff.failures }
  get lastSpawnError (): FerryError | undefined { return this.#p.backoff.lastError }
  /** No spawn before this (ms since the epoch): the back-off after failed starts. */
  get backoffUntil (): number { return this.#p.backoff.until }
  /** The command that starts one of its processes, as the loader runs it. */
  get startCommand (): string { return this.#o.loader.startCommand?.(this.app) ?? this.app.startCommand ?? '' }
  /** A rolling restart is still replacing old processes. */
  get restarting (): boolean { return this.#p.roll.active }
  get outputLimit (): OutputLimit | undefined { return this.#o.outputLimit }
  get restartPending (): boolean { return this.#restarts.pending }
  /** tmp/always_restart.txt exists: every request restarts the app (development). */
  get alwaysRestart (): boolean { return this.#restarts.always }
  set alwaysRestart (present: boolean) { this.#restarts.always = present }
  get defaultRestartMethod (): 'blocking' | 'rolling' { return this.#o.rollingRestarts === true ? 'rolling' : 'blocking' }

  /** Pre-starts processes up to min-instances. */
  start (): void { this.#maybeSpawn() }

  /** restart.txt changed: the next request restarts the app (restart-requests.ts). */
  requestRestart (): void {
    if (this.#restarts.request(this.processes)) this.applyPendingRestart()
  }

  /** Called by the request path when restartPending is true, before it checks out a process. */
  applyPendingRestart (): void {
    const { always, method } = this.#restarts.take(this.defaultRestartMethod)
    this.#o.events.emit('restartFile', this, always)
    this.restart(method)
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
    const crashLoop = this.#p.backoff.refusal(this.capacity, this.#o.now())
    if (crashLoop !== undefined) return Promise.reject(crashLoop)
    if (this.#o.maxQueue > 0 && this.queue.length + this.#p.sticky.count >= this.#o.maxQueue) {
      this.queueOverflows++
      this.#o.events.emit('queueFull', this)
      return Promise.reject(new FerryError('E_QUEUE_FULL', `request queue full (max ${this.#o.maxQueue}) for ${this.name}`))
    }
    const ahead = this.#p.handAhead.forNewRequest(mayWaitAtProcess, stickyId, this.queue.length)
    if (ahead !== undefined) { ahead.sessions++; return Promise.resolve(ahead) }
    const named = stickyId === undefined ? undefined : this.stickyProcess(stickyId)
    return this.#enqueue(signal, named, mayWaitAtProcess)
  }

  #enqueue (signal: QueueCancel | undefined, sticky: AppProcess | undefined, mayWaitAtProcess: boolean): Promise<AppProcess> {
    return new Promise<AppProcess>((resolve, reject) => {
      const waiter: Waiter<AppProcess> = { enqueuedAt: this.lastActivity = this.#o.now(), resolve, reject, cancelled: false, mayWaitAtProcess }
      if (sticky !== undefined) this.#p.sticky.add(sticky, waiter)
      else this.queue.push(waiter)
      signal?.addEventListener('abort', () => {
        if (waiter.cancelled) return
        if (sticky !== undefined) this.#p.sticky.leave(sticky, waiter)
        else this.queue.cancel(waiter)
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
    this.#p.recycler.afterRequest(p, oobRequested)
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
      if (p.state === 'oob') void this.#p.oob.run(p)
      else if (p.state === 'stopping') this.#p.retirement.done(p)
    }
    this.#p.sticky.serve(p)
    this.#drain()
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
    this.#p.retirement.tunnelClosed(p)
  }

  /**
   * A stuck process (--max-request-time), or one that refuses connections (`unreachable`: it died and its exit is
   * not handled yet, or its socket is gone): out of rotation now, killed once its other requests end or time out.
   */
  abandon (p: AppProcess, reason: 'stuck' | 'unreachable' = 'stuck'): void {
    if (p.state === 'dead' || p.killWhenIdle) return
    this.#o.events.emit('recycle', this, p, reason)
    p.killWhenIdle = true
    // Retiring a process killWhenIdle stops it with SIGKILL once its requests end (see Retirement.stop).
    if (p.live) this.#retire(p)
    else if (p.sessions === 0) p.kill()
    if (reason === 'stuck' && this.#p.handAhead.strandsHandedAhead(p)) p.kill()
    this.#maybeSpawn()
  }

  /**
   * Replaces every process, a new generation (rolling-restart.ts). Blocking: all at once, requests wait meanwhile.
   * Rolling: one at a time, each new one ready before an old one stops; if a new one fails to start, the old ones stay.
   */
  restart (method: 'blocking' | 'rolling' = this.defaultRestartMethod): void {
    this.uuid = randomId(20)
    this.generationStartedAt = this.#o.now()
    this.#o.events.emit('restart', this, method)
    // Someone changed something (a deploy, a fix): try it now rather than after the old crash loop's back-off.
    this.#p.backoff.reset()
    this.#p.roll.restart(method, this.processes.filter(p => p.live))
  }

  #retire (p: AppProcess): void {
    if (!p.live) return
    p.state = 'stopping'
    this.#p.retirement.retired(p)
    this.#p.sticky.serve(p)
  }

  /** Takes a process out of rotation; it stops once its requests are done. Returns false for an unknown PID. */
  detach (pid: number): boolean {
    const p = this.processes.find(x => x.pid === pid && x.live)
    if (p === undefined) return false
    this.#retire(p)
    this.#maybeSpawn()
    return true
  }

  /** Gives waiting requests, first come first served, to free processes, or hands the head ahead (hand-ahead.ts). */
  #drain (): void {
    while (this.queue.length > 0) {
      const free = pickLeastBusy(this.processes)
      // The head of the queue only: one that must not wait at a process keeps those behind it in the queue (FIFO).
      const p = free ?? (this.queue.peek()?.mayWaitAtProcess === true ? this.#p.handAhead.target() : undefined)
      if (p === undefined) return
      const w = this.queue.shift()
      if (w === undefined) return
      p.sessions++
      // lastUsed stays the start of the request a process executes: hand-ahead.ts goes by it.
      if (p === free) p.lastUsed = this.#o.now()
      w.resolve(p)
    }
  }

  /** A process reported its event-loop utilization (process-reports.ts). */
  reportLoad (pid: number, elu: number): void { this.#p.reports.load(pid, elu) }

  #mayGrow (): boolean { return mayGrow(this.capacity, this.#o.maxInstances, this.#o.hasRoom) }

  #maybeSpawn (): void {
    if (this.#halted !== undefined || this.spawning > 0 || !wantsProcess(this) || !this.#mayGrow()) return
    if (!this.#p.backoff.defers(this.#o.now(), () => this.#maybeSpawn())) this.#spawnOne()
  }

  #spawnOne (): void {
    this.spawning++
    this.#o.events.emit('spawning', this)
    const begun = { at: this.#o.now(), generation: this.generationStartedAt, groupUuid: this.uuid }
    this.#o.loader.spawn(this.app, this.#p.reports.hooks, this.#abort.signal).then(spawned => {
      this.spawning--
      // Sticky ids are decimal: Passenger's sticky_session_id is an integer, and status views print this one.
      const p = new AppProcess(spawned, this.#o.now(), this.#o.concurrency, String(this.#nextStickyId++), begun)
      this.processes.push(p)
      void p.exited.then(info => this.#onExit(p, info))
      if (this.#halted !== undefined) { void p.stop(this.#o.stopGraceMs); return }
      this.#p.backoff.lastError = undefined
      this.#o.events.emit('spawned', this, p)
      this.#drain()
      this.#p.roll.spawned()
      this.#maybeSpawn()
    }, (err: unknown) => {
      this.spawning--
      if (this.#halted !== undefined) return
      // A rolling restart whose new version does not start leaves the old processes serving.
      this.#p.roll.failed()
      this.#recordFailure(err instanceof FerryError ? err : new FerryError('E_SPAWN_FAILED', String(err), { cause: err }))
    })
  }

  #recordFailure (err: FerryError): void {
    this.#p.backoff.record(err, this.#o.now(), this.processes.filter(p => p.live))
    this.#o.events.emit('spawnFailed', this, err)
    // Queued requests were waiting for this spawn when nothing else can serve them: they get the error now.
    if (this.liveCount === 0) this.queue.rejectAll(err)
    this.#maybeSpawn()
  }

  #onExit (p: AppProcess, info: ExitInfo): void {
    const unexpected = p.live
    p.state = 'dead'
    this.#p.retirement.exited(p)
    const i = this.processes.indexOf(p)
    if (i >= 0) this.processes.splice(i, 1)
    this.#p.sticky.serve(p)
    this.#o.events.emit('exited', this, p, info, unexpected)
    this.#p.roll.roomFreed()
    if (this.#p.backoff.exited(p, this.#o.now(), unexpected)) {
      this.#recordFailure(new FerryError('E_SPAWN_EXITED', `app process ${p.pid} of ${this.name} died ${describeExit(info)} soon after starting`))
    }
    this.#maybeSpawn()
  }

  /** Stops accepting requests, rejects the queue and stops every process. */
  async stop (graceMs = this.#o.stopGraceMs): Promise<void> {
    this.#halt(new FerryError('E_SHUTTING_DOWN', 'Ferry is shutting down'))
    await Promise.all(this.processes.map(p => p.stop(graceMs)))
  }
}
