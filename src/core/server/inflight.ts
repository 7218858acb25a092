// The requests in flight, for /requests.json. The request path pays for one small record and a Set insert and
// delete; everything else (state, age, bytes) is derived when someone asks, from the socket's own counters.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AppProcess } from '../pool/app-process.js'
import type { AppRoute } from './router.js'

/** What the request path can do to an exchange with an app process in progress. */
export interface Abortable { abort (err: Error): void }

export interface InflightEntry {
  readonly id: number
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly startedAt: number
  readonly bytesRead0: number
  readonly bytesWritten0: number
  process: AppProcess | undefined
  /** The app it is for, once known. */
  route: AppRoute | undefined
  /** When it was handed to the process (ms since the epoch), for --max-request-time; 0 while queued or without a limit. */
  dispatchedAt: number
  exchange: Abortable | undefined
}

export interface RequestSnapshot {
  readonly id: string
  readonly method: string
  readonly host: string
  readonly path: string
  readonly client_address: string | null
  readonly app: string | null
  readonly pid: number | null
  readonly state: 'queued' | 'in app' | 'sending response'
  readonly age_ms: number
  readonly bytes_in: number
  readonly bytes_out: number
}

export class Inflight {
  readonly #entries = new Set<InflightEntry>()
  #nextId = 1

  get size (): number { return this.#entries.size }

  add (req: IncomingMessage, res: ServerResponse, now: number): InflightEntry {
    const socket = req.socket
    const entry: InflightEntry = { id: this.#nextId++, req, res, startedAt: now, bytesRead0: socket.bytesRead, bytesWritten0: socket.bytesWritten, process: undefined, route: undefined, dispatchedAt: 0, exchange: undefined }
    this.#entries.add(entry)
    return entry
  }

  delete (entry: InflightEntry): void { this.#entries.delete(entry) }

  entries (): IterableIterator<InflightEntry> { return this.#entries.values() }

  snapshot (now: number): RequestSnapshot[] {
    const out: RequestSnapshot[] = []
    for (const e of this.#entries) {
      const socket = e.req.socket
      out.push({
        id: `r${e.id}`,
        method: e.req.method ?? '',
        host: e.req.headers.host ?? '',
        path: e.req.url ?? '',
        client_address: socket.remoteAddress ?? null,
        app: e.route?.root ?? null,
        pid: e.process?.pid ?? null,
        state: e.process === undefined ? 'queued' : e.res.headersSent ? 'sending response' : 'in app',
        age_ms: now - e.startedAt,
        // Counted on the connection since the request began, so a request's head is included.
        bytes_in: Math.max(0, (socket.bytesRead ?? 0) - e.bytesRead0),
        bytes_out: Math.max(0, (socket.bytesWritten ?? 0) - e.bytesWritten0)
      })
    }
    return out
  }
}
