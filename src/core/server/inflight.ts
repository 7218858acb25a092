// The requests in flight, for /requests.json and the --max-request-time sweep. The request path pays for one small
// record linked into a list and unlinked again; everything else (state, age, bytes) is derived when someone asks,
// from the socket's own counters. A linked list rather than a Set: the records then only ever point at each other,
// and measured ~5 µs less core CPU per request (of ~34) than a Set, which kept every request's objects reachable
// from a long-lived table and so alive through garbage collections.
import type { Abortable, RequestHead, ResponseSink } from './exchange-types.js'
import type { AppProcess } from '../pool/app-process.js'
import type { AppRoute } from './router.js'
import { cookieValue } from '../cache/key.js'
import type { SpooledBody } from './request-spool.js'

export interface InflightEntry {
  readonly id: number
  readonly req: RequestHead
  readonly res: ResponseSink
  readonly startedAt: number
  readonly bytesRead0: number
  readonly bytesWritten0: number
  process: AppProcess | undefined
  /** The app it is for, once known. */
  route: AppRoute | undefined
  /** When it was handed to the process (ms since the epoch), for --max-request-time; 0 while queued or without a limit. */
  dispatchedAt: number
  exchange: Abortable | undefined
  /** Times it was given to another process because the one it was sent to could not be reached. */
  retries: number
  /**
   * Handed ahead to a process busy with another request (hand-ahead.ts): that process's `finished` count when it was;
   * -1 otherwise. While the count has not moved, the app has not begun it.
   */
  behind: number
  /** A request body still arriving, for --request-body-timeout; undefined otherwise (and on the lean front). */
  body: BodyWatch | undefined
  /** Its body, read whole before a process was checked out (an app that takes one request at a time). */
  spooled: SpooledBody | undefined
  /** A turbocache miss other requests may be waiting on (cache-fills.ts): abandoned when this response closes. */
  cacheFill: { abandon (): void } | undefined
  prev: InflightEntry | undefined
  next: InflightEntry | undefined
}

/** When bytes last came from a client sending a request body to an app. */
export interface BodyWatch {
  readonly stream: { readonly complete: boolean, readonly readableFlowing: boolean | null }
  /** The connection's bytesRead when last looked at, and when (ms since the epoch) it last changed. */
  bytes: number
  at: number
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
  /** Its connection: the how-manieth accepted since the core started, and when (ms since the epoch); null if unknown. */
  readonly connection_number: number | null
  readonly connected_at: number | null
  readonly started_at: number
  /** `1.1` or `1.0`. */
  readonly http_version: string
  /** How the request's body is framed, and its length when it has one. */
  readonly body_type: 'NO_BODY' | 'CONTENT_LENGTH' | 'CHUNKED'
  readonly content_length: number | null
  /** Whether the request's body is still arriving from the client. */
  readonly receiving_body: boolean
  readonly response_begun: boolean
  /** Response bytes written for the client but not yet taken by the kernel (a slow client). */
  readonly buffered_bytes: number
  /** It carries the cookie of its app's sticky sessions. */
  readonly sticky: boolean
  /** The connection stays open after the response. */
  readonly keep_alive: boolean
  /** Times it was given to another process because the one it was sent to could not be reached. */
  readonly retries: number
  /** When bytes of it last came from the client (its body, or else its head); ms since the epoch. */
  readonly last_received_at: number
}

/** A net.Socket's handle counters (what its bytesRead and bytesWritten getters read), where there is one. */
type CountedSocket = RequestHead['socket'] & {
  readonly writableLength?: number
  readonly _handle?: { readonly bytesRead: number, readonly bytesWritten: number } | null
}

/**
 * The bytes of `req`'s head as sent (request line, field lines, blank line), rebuilt from what was parsed: exact for
 * the usual `Name: value` spelling (node and the lean front keep both as latin1, a byte a character). Made only for
 * a snapshot, never on the request path.
 */
function headBytes (req: RequestHead): number {
  let n = (req.method ?? '').length + (req.url ?? '').length + `  HTTP/${req.httpVersion ?? '1.1'}\r\n\r\n`.length
  const raw = req.rawHeaders ?? []
  for (let i = 0; i + 1 < raw.length; i += 2) n += raw[i]!.length + raw[i + 1]!.length + 4 // ': ' and CRLF
  return n
}

export class Inflight {
  /** The newest entry; each links to the one before it. */
  #head: InflightEntry | undefined
  #size = 0
  #nextId = 1
  /** Each open connection's number and accept time, for the requests view; weak, so a closed one is forgotten. */
  readonly #connections = new WeakMap<object, { readonly number: number, readonly at: number }>()

  get size (): number { return this.#size }

  /** Once per accepted connection (not per request): its number and when it was accepted. */
  connected (socket: object, number: number, now: number): void {
    this.#connections.set(socket, { number, at: now })
  }

  add (req: RequestHead, res: ResponseSink, now: number): InflightEntry {
    const socket = req.socket as CountedSocket
    // What net.Socket's getters say, from its handle's counters when nothing waits in its stream (a hit's usual
    // case): bytesWritten's getter copies the stream's write buffer to add it up, on every request.
    const handle = socket.writableLength === 0 ? socket._handle : undefined
    const entry: InflightEntry = {
      id: this.#nextId++,
      req,
      res,
      startedAt: now,
      bytesRead0: handle != null ? handle.bytesRead : socket.bytesRead ?? 0,
      bytesWritten0: handle != null ? handle.bytesWritten : socket.bytesWritten ?? 0,
      process: undefined, route: undefined, dispatchedAt: 0, exchange: undefined, retries: 0, behind: -1, body: undefined, spooled: undefined, cacheFill: undefined, prev: undefined, next: this.#head
    }
    if (this.#head !== undefined) this.#head.prev = entry
    this.#head = entry
    this.#size++
    return entry
  }

  /** Unlinks the entry; a second call for the same entry does nothing. */
  delete (entry: InflightEntry): void {
    if (entry.prev !== undefined) entry.prev.next = entry.next
    else if (this.#head === entry) this.#head = entry.next
    else return
    if (entry.next !== undefined) entry.next.prev = entry.prev
    entry.prev = entry.next = undefined
    this.#size--
  }

  /** Newest first. Deleting the entry being visited is safe: its successor is read before it is yielded. */
  * entries (): Generator<InflightEntry> {
    for (let e = this.#head; e !== undefined;) {
      const next = e.next
      yield e
      e = next
    }
  }

  snapshot (now: number): RequestSnapshot[] {
    const out: RequestSnapshot[] = []
    for (const e of this.entries()) {
      const socket = e.req.socket
      const conn = this.#connections.get(socket)
      const headers = e.req.headers
      const chunked = /\bchunked\b/i.test(headers['transfer-encoding'] ?? '')
      const length = chunked || headers['content-length'] === undefined ? null : Number(headers['content-length'])
      const sticky = e.route?.stickyCookie
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
        // Counted on the connection since the request began, plus its head: both fronts begin a request once its
        // head has been read, so the connection's count at the start has it already (and any body bytes that came in
        // the same read as the head: those are not counted).
        bytes_in: Math.max(0, (socket.bytesRead ?? 0) - e.bytesRead0) + headBytes(e.req),
        bytes_out: Math.max(0, (socket.bytesWritten ?? 0) - e.bytesWritten0),
        connection_number: conn?.number ?? null,
        connected_at: conn?.at ?? null,
        started_at: e.startedAt,
        http_version: e.req.httpVersion ?? '1.1',
        body_type: chunked ? 'CHUNKED' : length !== null && length > 0 ? 'CONTENT_LENGTH' : 'NO_BODY',
        content_length: length,
        receiving_body: e.body !== undefined && !e.body.stream.complete,
        response_begun: e.res.headersSent,
        buffered_bytes: e.res.writableLength,
        sticky: sticky !== undefined && cookieValue(headers.cookie, sticky) !== null,
        keep_alive: e.res.shouldKeepAlive,
        retries: e.retries,
        last_received_at: e.body?.at ?? e.startedAt
      })
    }
    // Oldest first, as the requests arrived.
    return out.reverse()
  }
}
