// One app's processes: checkout (least busy, else queue), the spawn decision, crash handling with back-off, and
// the idle reaper. Knows nothing of HTTP; gets its loader and clock from whoever builds it.
import { FerryError } from '../errors.js'
import type { AppSpec, Loader, ExitInfo } from '../spawn/loader.js'
import { AppProcess } from './app-process.js'
import { pickLeastBusy } from './balancer.js'
import { WaitQueue, type Waiter } from './wait-queue.js'
import type { PoolEvents } from './events.js'

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
  readonly now: () => number
  readonly events: PoolEvents
}

/** A process that dies sooner than this after starting counts as a failed start for the back-off. */
const EARLY_DEATH_MS = 10_000
const MAX_BACKOFF_MS = 30_000

export class Group {
  readonly name: string
  readonly app: AppSpec
  readonly processes: AppProcess[] = []
  readonly queue = new WaitQueue<AppProcess>()
  spawning = 0
  queueOverflows = 0
  /** Consecutive failed starts (spawn errors and early deaths); resets on a good start. */
  failures = 0
  lastSpawnError: FerryError | undefined
  backoffUntil = 0
  readonly #o: GroupOptions
  readonly #abort = new AbortController()
  #stopped = false
  #retryTimer: NodeJS.Timeout | undefined
  #reaper: NodeJS.Timeout | undefined
  /** Old processes a rolling restart has yet to replace, oldest first. */
  #toReplace: AppProcess[] = []
  /** Old processes retired before their replacement was spawned (the pool had no room for one more). */
  #retiredAhead = 0
  #rollingSpawn = false

  constructor (options: GroupOptions) {
    this.#o = options
    this.app = options.app
    this.name = options.app.root
    if (options.idleTimeMs > 0) {
      const every = Math.max(250, Math.min(options.idleTimeMs / 2, 10_000))
      this.#reaper = setInterval(() => this.#reapIdle(), every).unref()
    }
  }

  get capacity (): number { return this.readyCount + this.spawning }
  get readyCount (): number { return this.processes.filter(p => p.state === 'ready').length }
  get minInstances (): number { return this.#o.minInstances }
  get maxQueue (): number { return this.#o.maxQueue }

  /** Pre-starts processes up to min-instances. */
  start (): void { this.#maybeSpawn() }

  /** The fast path: a process with a free slot, checked out, or undefined. */
  checkout (): AppProcess | undefined {
    const p = pickLeastBusy(this.processes)
    if (p === undefined) return undefined
    p.sessions++
    p.lastUsed = this.#o.now()
    if (p.totallyBusy) this.#maybeSpawn()
    return p
  }

  /** Checks out a process, waiting in the queue (and spawning) when none is free. */
  acquire (signal?: AbortSignal): Promise<AppProcess> {
    const p = this.checkout()
    if (p !== undefined) return Promise.resolve(p)
    if (this.#stopped) return Promise.reject(new FerryError('E_QUEUE_FULL', 'Ferry is shutting down'))
    const crashLooping = this.lastSpawnError !== undefined && this.capacity === 0 && this.backoffUntil > this.#o.now()
    if (crashLooping) return Promise.reject(this.lastSpawnError)
    if (this.#o.maxQueue > 0 && this.queue.length >= this.#o.maxQueue) {
      this.queueOverflows++
      this.#o.events.emit('queueFull', this)
      return Promise.reject(new FerryError('E_QUEUE_FULL', `request queue full (max ${this.#o.maxQueue}) for ${this.name}`))
    }
    return this.#enqueue(signal)
  }

  #enqueue (signal?: AbortSignal): Promise<AppProcess> {
    return new Promise<AppProcess>((resolve, reject) => {
      const waiter: Waiter<AppProcess> = { enqueuedAt: this.#o.now(), resolve, reject, cancelled: false }
      this.queue.push(waiter)
      signal?.addEventListener('abort', () => {
        if (waiter.cancelled) return
        this.queue.cancel(waiter)
        reject(signal.reason)
      }, { once: true })
      this.#maybeSpawn()
    })
  }

  /** Ends one request's use of a process. */
  release (p: AppProcess): void {
    p.sessions--
    p.processed++
    p.lastUsed = this.#o.now()
    if (p.state === 'stopping' && p.sessions === 0) void p.stop(this.#o.stopGraceMs)
    this.#drain()
  }

  /**
   * Replaces every process. Blocking: all stop taking requests at once (they finish what they serve) and new ones
   * are spawned; requests wait meanwhile. Rolling: one at a time, a new process is spawned and only once it is
   * ready does an old one stop, so the app keeps serving; if a new one fails to start, the old ones stay.
   */
  restart (method: 'blocking' | 'rolling'): void {
    const old = this.processes.filter(p => p.state === 'ready')
    if (method === 'blocking') {
      for (const p of old) this.#retire(p)
      this.#maybeSpawn()
      return
    }
    this.#toReplace = old
    this.#rollOn()
  }

  #retire (p: AppProcess): void {
    if (p.state !== 'ready') return
    p.state = 'stopping'
    if (p.sessions === 0) void p.stop(this.#o.stopGraceMs)
  }

  #rollOn (): void {
    this.#toReplace = this.#toReplace.filter(p => p.state === 'ready')
    if (this.#stopped || (this.#toReplace.length === 0 && this.#retiredAhead === 0) || this.spawning > 0) return
    if (this.#mayGrow()) { this.#rollingSpawn = true; this.#spawnOne(); return }
    // No room for one more: retire one first (the app briefly has one process fewer) and spawn once it is gone.
    if (this.#retiredAhead > 0 || this.#toReplace.length === 0) return
    this.#retire(this.#toReplace.shift()!)
    this.#retiredAhead++
  }

  #rolledOne (): void {
    if (!this.#rollingSpawn) return
    this.#rollingSpawn = false
    if (this.#retiredAhead > 0) this.#retiredAhead--
    else { const old = this.#toReplace.shift(); if (old !== undefined) this.#retire(old) }
    this.#rollOn()
  }

  /** Takes a process out of rotation; it stops once its requests are done. Returns false for an unknown PID. */
  detach (pid: number): boolean {
    const p = this.processes.find(x => x.pid === pid && x.state === 'ready')
    if (p === undefined) return false
    this.#retire(p)
    this.#maybeSpawn()
    return true
  }

  #drain (): void {
    while (this.queue.length > 0) {
      const p = pickLeastBusy(this.processes)
      if (p === undefined) return
      const w = this.queue.shift()
      if (w === undefined) return
      p.sessions++
      p.lastUsed = this.#o.now()
      w.resolve(p)
    }
  }

  #wantsProcess (): boolean {
    const capacity = this.capacity
    if (capacity < this.#o.minInstances) return true
    if (this.queue.length > 0 && this.spawning === 0) return true
    const ready = this.processes.filter(p => p.state === 'ready')
    return ready.length > 0 && ready.every(p => p.totallyBusy)
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
    const hooks = { onOutput: (pid: number, stream: 'stdout' | 'stderr', line: string) => this.#o.events.emit('output', this, pid, stream, line) }
    this.#o.events.emit('spawning', this)
    this.#o.loader.spawn(this.app, hooks, this.#abort.signal).then(spawned => {
      this.spawning--
      const p = new AppProcess(spawned, this.#o.now(), this.#o.concurrency)
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

  #recordFailure (err: FerryError): void {
    this.failures++
    this.lastSpawnError = err
    this.backoffUntil = this.#o.now() + Math.min(MAX_BACKOFF_MS, 250 * 2 ** (this.failures - 1))
    this.#o.events.emit('spawnFailed', this, err)
    // Queued requests were waiting for this spawn when nothing else can serve them: they get the error now.
    if (this.readyCount === 0) this.queue.rejectAll(err)
    this.#maybeSpawn()
  }

  #onExit (p: AppProcess, info: ExitInfo): void {
    const unexpected = p.state === 'ready'
    p.state = 'dead'
    const i = this.processes.indexOf(p)
    if (i >= 0) this.processes.splice(i, 1)
    this.#o.events.emit('exited', this, p, info, unexpected)
    if (this.#retiredAhead > 0 && !this.#rollingSpawn) this.#rollOn()
    if (unexpected) {
      const early = this.#o.now() - p.spawnedAt < EARLY_DEATH_MS
      if (early) this.#recordFailure(new FerryError('E_SPAWN_EXITED', `app process ${p.pid} of ${this.name} died ${describeExit(info)} soon after starting`))
      else this.failures = 0
    }
    this.#maybeSpawn()
  }

  #reapIdle (): void {
    const now = this.#o.now()
    let ready = this.readyCount
    for (const p of this.processes) {
      if (ready <= this.#o.minInstances) break
      if (p.state !== 'ready' || p.sessions > 0 || now - p.lastUsed < this.#o.idleTimeMs) continue
      p.state = 'stopping'
      ready--
      this.#o.events.emit('idleStop', this, p)
      void p.stop(this.#o.stopGraceMs)
    }
  }

  /** Stops accepting requests, rejects the queue and stops every process. */
  async stop (graceMs = this.#o.stopGraceMs): Promise<void> {
    this.#stopped = true
    clearInterval(this.#reaper)
    clearTimeout(this.#retryTimer)
    this.#abort.abort(new FerryError('E_QUEUE_FULL', 'Ferry is shutting down'))
    this.queue.rejectAll(new FerryError('E_QUEUE_FULL', 'Ferry is shutting down'))
    await Promise.all(this.processes.map(p => p.stop(graceMs)))
  }
}

export function describeExit (info: ExitInfo): string {
  return info.signal !== null ? `by signal ${info.signal}` : `with code ${info.code ?? '?'}`
}
