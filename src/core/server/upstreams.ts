// Keep-alive connections from the core to each app process, reused across requests: unlike the reference, which
// opens one connection per request, this is most of the proxy's speed. Idle connections are closed before a
// Node app's own keep-alive timeout (5 s) would close them under us, and bounded in number.
import { connect, type Socket } from 'node:net'
import type { AppProcess } from '../pool/app-process.js'
import type { UpstreamTarget } from '../spawn/loader.js'

const IDLE_TIMEOUT_MS = 4_000
const MAX_IDLE_PER_PROCESS = 128

export class ConnectionPool {
  readonly #target: UpstreamTarget
  readonly #idle: Socket[] = []
  #closed = false

  constructor (target: UpstreamTarget) { this.#target = target }

  /** An idle connection (reused: true) or, when there is none or `fresh` is asked for, a new one. */
  acquire (fresh = false): { socket: Socket, reused: boolean } {
    for (let s = fresh ? undefined : this.#idle.pop(); s !== undefined; s = this.#idle.pop()) {
      if (!s.destroyed) { s.setTimeout(0); return { socket: s, reused: true } }
    }
    const t = this.#target
    const socket = t.kind === 'unix' ? connect(t.socketPath) : connect(t.port, t.host)
    socket.setNoDelay(true)
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.#forget(socket))
    socket.on('timeout', () => socket.destroy())
    return { socket, reused: false }
  }

  /** Puts a connection whose exchange completed cleanly back for reuse. */
  release (socket: Socket): void {
    if (this.#closed || socket.destroyed || this.#idle.length >= MAX_IDLE_PER_PROCESS) { socket.destroy(); return }
    socket.setTimeout(IDLE_TIMEOUT_MS)
    this.#idle.push(socket)
  }

  #forget (socket: Socket): void {
    const i = this.#idle.indexOf(socket)
    if (i >= 0) this.#idle.splice(i, 1)
  }

  destroy (): void {
    this.#closed = true
    for (const s of this.#idle.splice(0)) s.destroy()
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
