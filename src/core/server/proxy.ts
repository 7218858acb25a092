// Streams one request to an app process over a keep-alive connection and its response back, with backpressure both
// ways. The response is read ahead of a slow client up to the high watermark, so the app process is freed early.
import type { Readable } from 'node:stream'
import type { Abortable, RequestHead, ResponseSink } from './exchange-types.js'
import type { AppProcess } from '../pool/app-process.js'
import { INVALID_VALUE_CHAR, responseHeadLinesForClient, responseHeadersForClient } from './headers.js'
import { requestHeadForApp, type TrustsPeer } from './request-head.js'
import { ResponseParser, type ParserEvents } from './response-parser.js'
import type { AppHead } from './app-head.js'
import type { ConnectionPool, Upstream, UpstreamUser } from './upstreams.js'
import type { Recorder, Turbocache } from './turbocache.js'
import type { InflightEntry } from './inflight.js'
import { OWN_SHARE, type BudgetWaiter, type ResponseBuffers } from './response-buffers.js'
import { untilDrained, type ClientWatcher } from './client-watch.js'
import { SpooledBody } from './request-spool.js'
import { FerryError } from '../errors.js'

export interface ProxyContext {
  readonly highWatermark: number
  /** The instance's count of bytes held for slow clients, and its budget. */
  readonly buffers: ResponseBuffers
  /**
   * Called exactly once, when the app is done with this request (success or not). `oobRequested`: the response
   * carried X-Ferry-OOB-Work (the app asks for out-of-band work).
   */
  readonly onDone: (p: AppProcess, failure: Error | undefined, oobRequested: boolean) => void
  /** Called when the app failed before a response started: the caller answers with an error page. */
  readonly onFailedBeforeResponse: (req: RequestHead, res: ResponseSink, err: Error) => void
  /**
   * The process refused the connection (it died, or its socket is gone): called instead of onDone, so the caller can
   * take the process out of rotation and give the request (`req`, `res`: this exchange's, which may be a cache
   * revalidation's rather than the client's own) to another. Absent: the request fails with 502.
   */
  readonly retryElsewhere?: ((entry: InflightEntry, p: AppProcess, recorder: Recorder | undefined, req: RequestHead, res: ResponseSink) => void) | undefined
  /** Told of completed unsafe requests, so it can drop what they changed. */
  readonly cache?: Turbocache | undefined
  /** The app's base URI, sent as X-Forwarded-Prefix; absent for apps at `/`. */
  readonly prefix?: string | undefined
  /** --trust-proxy: whether a peer's X-Forwarded-* headers are kept; absent when no peer is trusted. */
  readonly trustsPeer?: TrustsPeer | undefined
}

/**
 * `body`: the request body to stream to the app (the IncomingMessage itself, or the whole body read ahead for an app
 * that takes one request at a time: see request-spool.ts), if it has one.
 * `recorder`: set when the turbocache may store this response; it sees the response as it streams past.
 * `setCookie`: a Set-Cookie value Ferry adds to the response (sticky sessions). Returns a handle that can abort it.
 */
export function proxyRequest (req: RequestHead, res: ResponseSink, body: Readable | SpooledBody | undefined, p: AppProcess, pool: ConnectionPool,
  ctx: ProxyContext, recorder?: Recorder, setCookie?: string, entry?: InflightEntry): Abortable {
  const exchange = new Exchange(req, res, body, p, pool, ctx, recorder, setCookie, entry)
  exchange.start(false)
  return exchange
}

const OOB_HEADER = 'x-ferry-oob-work'

/** Connection errors that mean the process is not there to take requests (not a limit of the core's own). */
function isUnreachable (err: NodeJS.ErrnoException | undefined): boolean {
  const code = err?.code
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ECONNRESET'
}

/** Ferry's sticky-session cookie is built from configuration: checked as node would check it before it is written. */
function checkedValue (value: string): string {
  if (INVALID_VALUE_CHAR.test(value)) throw new FerryError('E_STICKY_COOKIE_INVALID', 'the sticky-session cookie holds a character not allowed in a header: change --sticky-sessions-cookie-name or the app\'s base URI')
  return value
}

/** How the body Ferry forwards is framed: the length node parsed, chunks for a chunked body, nothing without one. */
function framingOf (req: RequestHead, hasBody: boolean): string {
  const length = req.headers['content-length']
  if (!hasBody) return length === '0' ? 'Content-Length: 0\r\n' : ''
  return length !== undefined && req.headers['transfer-encoding'] === undefined ? `Content-Length: ${length}\r\n` : CHUNKED
}
const CHUNKED = 'Transfer-Encoding: chunked\r\n'

/** Methods a request may be sent again for after a kept-alive connection closed with nothing received (RFC 9110 §9.2.1: safe). */
/** Methods a request may be sent again with when its app may not have acted on it (RFC 9110 §9.2.2's idempotent ones that carry no body here). */
export const RETRYABLE: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

class Exchange implements ParserEvents, UpstreamUser, Abortable, BudgetWaiter, ClientWatcher {
  readonly #req: RequestHead
  readonly #res: ResponseSink
  readonly #body: Readable | SpooledBody | undefined
  readonly #p: AppProcess
  readonly #pool: ConnectionPool
  readonly #ctx: ProxyContext
  #upstream!: Upstream
  #parser!: ResponseParser
  #fromApp = 0
  #requestSent = false
  #done = false
  /** The response head, held until the end of the packet that carried it (see onHead). */
  #head: AppHead | undefined
  #early: Buffer[] = []
  readonly #recorder: Recorder | undefined
  /** The app's response head, kept after it was written: what the turbocache invalidates by. */
  #response: AppHead | undefined
  readonly #setCookie: string | undefined
  #oobRequested = false
  readonly #entry: InflightEntry | undefined
  /** Sent once already on a connection that then closed unanswered: the app may have seen it. */
  #maybeDelivered = false
  /** Bytes of this response counted in ctx.buffers: what its client had not taken when last looked at. */
  #held = 0
  /** The app connection is paused: the client is behind (its own watermark, or the budget). */
  #paused = false
  /** Waiting for the client's connection to drain or close (client-watch.ts) while bytes are counted. */
  #watchingClient = false

  constructor (req: RequestHead, res: ResponseSink, body: Readable | SpooledBody | undefined, p: AppProcess, pool: ConnectionPool,
    ctx: ProxyContext, recorder: Recorder | undefined, setCookie: string | undefined, entry: InflightEntry | undefined) {
    this.#entry = entry
    this.#body = body
    this.#recorder = recorder
    this.#setCookie = setCookie
    this.#req = req
    this.#res = res
    this.#p = p
    this.#pool = pool
    this.#ctx = ctx
    res.once('close', () => { if (!this.#done) this.#finish(new FerryError('E_CLIENT_GONE', 'the client closed the connection before its response was complete'), false) })
  }

  start (fresh: boolean): void {
    const upstream = this.#pool.acquire(fresh)
    const socket = upstream.socket
    this.#upstream = upstream
    this.#fromApp = 0
    this.#parser = new ResponseParser(this, this.#req.method === 'HEAD')
    upstream.lend(this)
    const body = this.#body
    // A body read whole goes with its length, however the client framed it.
    const framing = body instanceof SpooledBody ? `Content-Length: ${body.length}\r\n` : framingOf(this.#req, body !== undefined)
    socket.write(requestHeadForApp(this.#req, this.#ctx.prefix, this.#ctx.trustsPeer, framing), 'latin1')
    if (body === undefined) this.#requestSent = true
    // A new connection's body is read only once it is connected, so a process that cannot be reached has consumed
    // none of it and the request can still go to another (see onUpstreamClose).
    else if (socket.connecting) socket.once('connect', () => this.#sendBody(body, framing === CHUNKED))
    else this.#sendBody(body, framing === CHUNKED)
  }

  #sendBody (body: Readable | SpooledBody, chunked: boolean): void {
    const socket = this.#upstream.socket
    let req: Readable
    if (body instanceof SpooledBody) {
      req = body.open()
      // A read error of the stored body (the IncomingMessage itself has node's handling): the request cannot go on.
      req.once('error', err => this.#finish(err, false))
    } else req = body
    req.on('data', (c: Buffer) => {
      if (socket.destroyed) return
      let ok: boolean
      if (chunked) {
        socket.cork()
        socket.write(`${c.length.toString(16)}\r\n`)
        socket.write(c)
        ok = socket.write('\r\n')
        socket.uncork()
      } else ok = socket.write(c)
      if (!ok) { req.pause(); socket.once('drain', () => req.resume()) }
    })
    req.once('end', () => {
      if (chunked && !socket.destroyed) socket.write('0\r\n\r\n')
      this.#requestSent = true
    })
  }

  onUpstreamData (chunk: Buffer): void {
    this.#fromApp += chunk.length
    try {
      this.#parser.execute(chunk)
      if (this.#head !== undefined) this.#flushHead(false)
    } catch (err) {
      this.#finish(err as Error, true)
    }
  }

  onUpstreamClose (): void {
    if (this.#done) return
    if (this.#fromApp === 0 && !this.#res.destroyed) {
      const upstream = this.#upstream
      // The process could not be reached at all, or it was handed this request ahead (hand-ahead.ts) and its connection
      // closed before the request in front of it ended (the process died or stopped): the app never began it, whatever
      // the method, so another may serve it.
      const retry = this.#ctx.retryElsewhere
      const entry = this.#entry
      const notBegun = entry !== undefined && entry.behind >= 0 && entry.behind === this.#p.finished
      if (((!upstream.connected && !this.#maybeDelivered && isUnreachable(upstream.error)) || notBegun) && retry !== undefined && entry !== undefined) {
        this.#done = true
        upstream.lend(undefined)
        retry(entry, this.#p, this.#recorder, this.#req, this.#res)
        return
      }
      // A reused connection the app closed just as we sent on it: nothing was received, so sending again is safe for
      // a request that changes nothing (a POST may have been acted on before the app closed).
      if (upstream.reused && this.#body === undefined && RETRYABLE.has(this.#req.method ?? 'GET')) {
        // The app may have been working on it when it died (a request that kills its process): then it is not
        // handed to yet another process when this one turns out to be gone.
        this.#maybeDelivered = true
        this.start(true)
        return
      }
    }
    try {
      this.#parser.finishOnClose()
    } catch (err) {
      this.#finish(err as Error, true)
    }
  }

  // Most responses arrive whole in one packet. Holding the head until the end of that packet lets a complete body
  // go out with a Content-Length in one write instead of being re-chunked; a longer body still streams at once.
  onHead (head: AppHead): void {
    const { names, headers } = head
    for (let i = 0; i < names.length; i++) if (names[i] === OOB_HEADER) this.#oobRequested = headers[2 * i + 1] === 'true'
    this.#head = head
    this.#response = head
    this.#recorder?.onHead(head.status, head.statusText, headers)
    // A write's answer invalidates as soon as its status is known: the change is made by then, and a client that
    // leaves before the body ends (or an app that fails to finish it) must not leave the old page served.
    this.#ctx.cache?.invalidate(this.#req, head.status, headers)
  }

  /** Writes the held head; with `whole`, the complete body is known and the early chunks are left for one write. */
  #flushHead (whole: boolean): void {
    const h = this.#head!
    this.#head = undefined
    const res = this.#res
    // A HEAD response has no body here, so its length is unknown: it must not claim 0.
    const length = whole && h.chunked && this.#req.method !== 'HEAD' ? String(this.#earlyBytes()) : undefined
    if (res.writeHeadPrepared !== undefined) {
      let extra = ''
      if (this.#setCookie !== undefined) extra += `Set-Cookie: ${checkedValue(this.#setCookie)}\r\n`
      if (length !== undefined) extra += `Content-Length: ${length}\r\n`
      res.writeHeadPrepared(h.status, h.statusText, responseHeadLinesForClient(h), extra, length !== undefined)
    } else {
      const out = responseHeadersForClient(h.headers, h.names, h.chunked)
      // Checked here too: node's own check would throw a TypeError that blames the app (502) for the setup's mistake.
      if (this.#setCookie !== undefined) out.push('Set-Cookie', checkedValue(this.#setCookie))
      if (length !== undefined) out.push('Content-Length', length)
      if (h.statusText !== '') res.writeHead(h.status, h.statusText, out)
      else res.writeHead(h.status, out)
    }
    if (!whole) for (const c of this.#early.splice(0)) this.#write(c)
  }

  #earlyBytes (): number {
    let length = 0
    for (const c of this.#early) length += c.length
    return length
  }

  onBody (chunk: Buffer): void {
    this.#recorder?.onBody(chunk)
    if (this.#head !== undefined) this.#early.push(chunk)
    else this.#write(chunk)
  }

  /** `chunk` is a view of the upstream read buffer: what is written is a copy the client's socket may keep. */
  #write (chunk: Buffer): void {
    // true: the client keeps up (what waits for it is under its socket's own high-water mark), nothing to count.
    if (!this.#res.write(Buffer.from(chunk))) this.#behind()
  }

  /**
   * The client has not taken everything written: what it holds is counted until its socket drains or closes, and
   * the app connection is paused at the response's own watermark, or at the budget once this response holds more
   * than its own share.
   */
  #behind (): void {
    const res = this.#res
    const client = this.#req.socket
    if (res.destroyed || client.destroyed === true) return
    const length = res.writableLength
    this.#ctx.buffers.change(length - this.#held)
    this.#held = length
    if (!this.#watchingClient) {
      this.#watchingClient = true
      untilDrained(client, this)
    }
    if (this.#paused || this.#done) return
    const buffers = this.#ctx.buffers
    const limit = this.#ctx.highWatermark
    const overBudget = buffers.exhausted && length >= OWN_SHARE
    if ((limit > 0 && length >= limit) || overBudget) {
      this.#paused = true
      this.#upstream.socket.pause()
      if (overBudget) buffers.wait(this)
    }
  }

  clientDrained (): void {
    this.#watchingClient = false
    this.#uncount()
    // node's server keeps a pipelined response's bytes aside until the one before it is done: still held.
    if (!this.#done && this.#res.writableLength > 0) this.#behind()
    this.resumeIfAllowed()
  }

  clientClosed (): void {
    this.#watchingClient = false
    this.#uncount()
  }

  #uncount (): void {
    if (this.#held === 0) return
    this.#ctx.buffers.change(-this.#held)
    this.#held = 0
  }

  /** Reads from the app again unless the client is still behind its watermark, or the budget still says wait. */
  resumeIfAllowed (): void {
    if (!this.#paused || this.#done) return
    const length = this.#res.writableLength
    const limit = this.#ctx.highWatermark
    // The client's drain calls again.
    if (limit > 0 && length >= limit) return
    const buffers = this.#ctx.buffers
    if (buffers.exhausted && length >= OWN_SHARE) { buffers.wait(this); return }
    this.#paused = false
    this.#upstream.socket.resume()
  }

  onComplete (reusable: boolean): void {
    if (this.#head !== undefined) this.#flushHead(true)
    this.#finish(undefined, reusable)
  }

  /** Ends the exchange from outside (--max-request-time): the app connection is dropped, the client answered. */
  abort (err: Error): void { this.#finish(err, false) }

  /** Ends the exchange once: the connection goes back to the pool only after a clean, complete exchange. */
  #finish (err: Error | undefined, reusable: boolean): void {
    if (this.#done) return
    this.#done = true
    const res = this.#res
    const upstream = this.#upstream
    // The response is read whole (or given up): a connection paused for a slow client reads again for the next user.
    // What this client still holds stays counted until its socket drains or closes.
    if (this.#paused) {
      this.#paused = false
      this.#ctx.buffers.forget(this)
      upstream.socket.resume()
    }
    if (err === undefined && reusable && this.#requestSent && !res.destroyed) this.#pool.release(upstream)
    else { upstream.lend(undefined); upstream.socket.destroy() }
    this.#ctx.onDone(this.#p, err, this.#oobRequested)
    const response = this.#response
    // An unsafe request the app got but never answered (its client left, it died, it timed out) may have been acted
    // on all the same: what it may have changed is dropped, as after a success.
    if (response === undefined && this.#requestSent) this.#ctx.cache?.invalidateUnanswered(this.#req)
    if (res.destroyed) return
    if (err === undefined && response !== undefined) {
      this.#recorder?.onComplete()
      // Again at the end: a GET answered while this write's body streamed may have stored the old page meanwhile.
      this.#ctx.cache?.invalidate(this.#req, response.status, response.headers)
    }
    // The early chunks are views of the upstream read buffer: the body is always a copy (concat copies too).
    if (err === undefined) res.end(this.#early.length === 0 ? undefined : this.#early.length === 1 ? Buffer.from(this.#early[0]!) : Buffer.concat(this.#early))
    else if (res.headersSent) res.destroy(err)
    else this.#ctx.onFailedBeforeResponse(this.#req, res, err)
  }
}
