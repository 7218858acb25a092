// One keep-alive connection pool per app process (undici), created on first use and destroyed when the process
// exits. Unlike the reference, core→app connections are reused, which is most of the proxy's speed.
import { Pool as UndiciPool } from 'undici'
import type { AppProcess } from '../pool/app-process.js'

export class Upstreams {
  readonly #byProcess = new WeakMap<AppProcess, UndiciPool>()

  get (p: AppProcess): UndiciPool {
    let u = this.#byProcess.get(p)
    if (u === undefined) {
      const t = p.target
      u = t.kind === 'unix'
        ? new UndiciPool('http://localhost', { socketPath: t.socketPath, connections: 256, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 })
        : new UndiciPool(`http://${t.host}:${t.port}`, { connections: 256, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 })
      this.#byProcess.set(p, u)
    }
    return u
  }

  /** Drops a dead process's connections; requests still on them fail (and get 502). */
  discard (p: AppProcess): void {
    const u = this.#byProcess.get(p)
    if (u === undefined) return
    this.#byProcess.delete(p)
    void u.destroy().catch(() => {})
  }
}
