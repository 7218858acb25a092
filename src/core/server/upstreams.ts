// Keep-alive connections from the core to each app process, reused across requests: unlike the reference, which
// opens one connection per request, this is most of the proxy's speed. Idle connections are closed before a
// Node app's own keep-alive timeout (5 s) would close them under us, and bounded in number.
import { connect, type Socket } from 'node:net'
import type { AppProcess } from '../pool/app-process.js'
import type { UpstreamTarget } from '../spawn/loader.js'

const IDLE_TIMEOUT_MS = 4_000
const MAX_IDLE_PER_PROCESS = 128

/** The exchange a connection is lent to: it gets the connection's bytes and its closing. */
export interface UpstreamUser {
  /** `chunk` is a view of a buffer the next read overwrites: whatever outlives the call must be copied. */
  onUpstreamData (chunk: Buffer): void
  onUpstreamClose (): void
}

/**
 * Every upstream connection reads into this one buffer (node's `onread`), instead of node allocating a buffer and a
 * stream chunk per read: reads are handled one at a time, and a user never keeps a view of it past its call.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)

export class Upstream {
  readonly socket: Socket
  /** True once it has carried an exchange: the app may have closed it just as it is sent on again. */
  reused = false
  /** False until the connection is made: closing before that means nothing was sent to the app. */
  connected = false
  /** Why the connection failed, if it did. */
  error: NodeJS.ErrnoException | undefined
  #user: UpstreamUser | undefined

  constructor (target: UpstreamTarget, onClose: (u: Upstream) => void) {
    const onread = { buffer: READ_BUFFER, callback: this.#onRead }
    const socket = target.kind === 'unix' ? connect({ path: target.socketPath, onread }) : connect({ port: target.port, host: target.host, onread })
    this.socket = socket
    socket.setNoDelay(true)
    socket.once('connect', () => { this.connected = true })
    socket.on('error', (err: NodeJS.ErrnoException) => { this.error ??= err; socket.destroy() })
    socket.on('timeout', () => socket.destroy())
    socket.on('close', () => {
      onClose(this)
      const user = this.#user
      this.#user = undefined
      user?.onUpstreamClose()
    })
  }

  /** Lends the connection to an exchange (`undefined`: takes it back). */
  lend (user: UpstreamUser | undefined): void { this.#user = user }

  readonly #onRead = (n: number): boolean => {
    const user = this.#user
    // An idle connection has nothing to say: bytes on it mean the app and the core disagree about where a response ended.
    if (user === undefined) { this.socket.destroy(); return false }
    user.onUpstreamData(READ_BUFFER.subarray(0, n))
    return true
  }
}

export class ConnectionPool {
  readonly #target: UpstreamTarget
  readonly #idle: Upstream[] = []
  #closed = false

  constructor (target: UpstreamTarget) { this.#target = target }

  /** An idle connection (`reused` set) or, when there is none or `fresh` is asked for, a new one. */
  acquire (fresh = false): Upstream {
    for (let u = fresh ? undefined : this.#idle.pop(); u !== undefined; u = this.#idle.pop()) {
      if (!u.socket.destroyed) { u.socket.setTimeout(0); return u }
    }
    return new Upstream(this.#target, this.#forget)
  }

  /** Puts a connection whose exchange completed cleanly back for reuse. */
  release (u: Upstream): void {
    u.lend(undefined)
    if (this.#closed || u.socket.destroyed || this.#idle.length >= MAX_IDLE_PER_PROCESS) { u.socket.destroy(); return }
    u.reused = true
    u.socket.setTimeout(IDLE_TIMEOUT_MS)
    this.#idle.push(u)
  }

  readonly #forget = (u: Upstream): void => {
    const i = this.#idle.indexOf(u)
    if (i >= 0) this.#idle.splice(i, 1)
  }

  destroy (): void {
    this.#closed = true
    for (const u of this.#idle.splice(0)) u.socket.destroy()
  }
}

export class Upstreams {
  readonly #byProcess = new WeakMap<AppProcess, ConnectionPool>()

  get (p: AppProcess): ConnectionPool {
    let u = this.#byProcess.get(p)
    if (u === undefined) {
      u = new ConnectionPool(p.target)
      this.#byProcess.set(p, u)
    }
    return u
  }

  /** Drops a dead process's idle connections; requests still on it fail on their own (and get 502). */
  discard (p: AppProcess): void {
    this.#byProcess.get(p)?.destroy()
    this.#byProcess.delete(p)
  }
}
