// Streams one request to an app process over a keep-alive connection and its response back, with backpressure both
// ways. The response is read ahead of a slow client up to the high watermark, so the app process is freed early.
import type { Readable } from 'node:stream'
import type { RequestHead, ResponseSink } from './exchange-types.js'
import type { AppProcess } from '../pool/app-process.js'
import { INVALID_VALUE_CHAR, requestHeadersForApp, responseHeadLinesForClient, responseHeadersForClient } from './headers.js'
import { ResponseParser, type AppHead, type ParserEvents } from './response-parser.js'
import type { ConnectionPool, Upstream, UpstreamUser } from './upstreams.js'
import type { Recorder, Turbocache } from './turbocache.js'
import type { Abortable } from './inflight.js'

export interface ProxyContext {
  readonly highWatermark: number
  /**
   * Called exactly once, when the app is done with this request (success or not). `oobRequested`: the response
   * carried X-Ferry-OOB-Work (the app asks for out-of-band work).
   */
  readonly onDone: (p: AppProcess, failure: Error | undefined, oobRequested: boolean) => void
  /** Called when the app failed before a response started: the caller answers with an error page. */
  readonly onFailedBeforeResponse: (req: RequestHead, res: ResponseSink, err: Error) => void
  /** Told of completed unsafe requests, so it can drop what they changed. */
  readonly cache?: Turbocache | undefined
  /** The app's base URI, sent as X-Forwarded-Prefix; absent for apps at `/`. */
  readonly prefix?: string | undefined
}

/**
 * `body`: the request body to stream to the app (the IncomingMessage itself), if it has one.
 * `recorder`: set when the turbocache may store this response; it sees the response as it streams past.
 * `setCookie`: a Set-Cookie value Ferry adds to the response (sticky sessions). Returns a handle that can abort it.
 */
export function proxyRequest (req: RequestHead, res: ResponseSink, body: Readable | undefined, p: AppProcess, pool: ConnectionPool,
  ctx: ProxyContext, recorder?: Recorder, setCookie?: string): Abortable {
  const exchange = new Exchange(req, res, body, p, pool, ctx, recorder, setCookie)
  exchange.start(false)
  return exchange
}

const OOB_HEADER = 'x-ferry-oob-work'

/** Ferry's sticky-session cookie is built from configuration: checked as node would check it before it is written. */
function checkedValue (value: string): string {
  if (INVALID_VALUE_CHAR.test(value)) throw new Error('the sticky session cookie holds a character not allowed in a header')
  return value
}

/** The request head for the app: one string, so it goes out in one write. */
function requestHead (req: RequestHead, chunkedBody: boolean, prefix: string | undefined): string {
  const headers = requestHeadersForApp(req.rawHeaders, { clientAddress: req.socket.remoteAddress, proto: 'http', prefix })
  let head = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]!}: ${headers[i + 1]!}\r\n`
  if (chunkedBody) head += 'Transfer-Encoding: chunked\r\n'
  return head + '\r\n'
}

class Exchange implements ParserEvents, UpstreamUser, Abortable {
  readonly #req: RequestHead
  readonly #res: ResponseSink
  readonly #body: Readable | undefined
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

  constructor (req: RequestHead, res: ResponseSink, body: Readable | undefined, p: AppProcess, pool: ConnectionPool,
    ctx: ProxyContext, recorder: Recorder | undefined, setCookie: string | undefined) {
    this.#body = body
    this.#recorder = recorder
    this.#setCookie = setCookie
    this.#req = req
    this.#res = res
    this.#p = p
    this.#pool = pool
    this.#ctx = ctx
    res.once('close', () => { if (!this.#done) this.#finish(new Error('the client closed the connection'), false) })
  }

  start (fresh: boolean): void {
    const upstream = this.#pool.acquire(fresh)
    const socket = upstream.socket
    this.#upstream = upstream
    this.#fromApp = 0
    this.#parser = new ResponseParser(this, this.#req.method === 'HEAD')
    upstream.lend(this)
    const body = this.#body
    const chunked = body !== undefined && this.#req.headers['content-length'] === undefined
    socket.write(requestHead(this.#req, chunked, this.#ctx.prefix), 'latin1')
    if (body !== undefined) this.#sendBody(body, chunked)
    else this.#requestSent = true
  }

  #sendBody (req: Readable, chunked: boolean): void {
    const socket = this.#upstream.socket
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
    // A reused connection the app closed just as we sent on it: nothing was received, so sending again is safe.
    if (this.#upstream.reused && this.#fromApp === 0 && this.#body === undefined && !this.#res.destroyed) {
      this.start(true)
      return
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
      if (this.#setCookie !== undefined) out.push('Set-Cookie', this.#setCookie)
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
    const res = this.#res
    res.write(Buffer.from(chunk))
    const limit = this.#ctx.highWatermark
    const socket = this.#upstream.socket
    if (limit > 0 && res.writableLength >= limit && !socket.isPaused()) {
      socket.pause()
      res.once('drain', () => socket.resume())
    }
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
    if (err === undefined && reusable && this.#requestSent && !res.destroyed) this.#pool.release(upstream)
    else { upstream.lend(undefined); upstream.socket.destroy() }
    this.#ctx.onDone(this.#p, err, this.#oobRequested)
    if (res.destroyed) return
    const response = this.#response
    if (err === undefined && response !== undefined) {
      this.#recorder?.onComplete()
      this.#ctx.cache?.invalidate(this.#req, response.status, response.headers)
    }
    // The early chunks are views of the upstream read buffer: the body is always a copy (concat copies too).
    if (err === undefined) res.end(this.#early.length === 0 ? undefined : this.#early.length === 1 ? Buffer.from(this.#early[0]!) : Buffer.concat(this.#early))
    else if (res.headersSent) res.destroy(err)
    else this.#ctx.onFailedBeforeResponse(this.#req, res, err)
  }
}
