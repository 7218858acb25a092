// Upgrade requests (WebSocket handshakes, mostly) as real exchanges: routed, queued and their headers rewritten like
// any request, and Ferry waits for the app's answer. Only a 101 turns the client's connection into a tunnel to the
// app (bytes both ways with backpressure, until either side closes). Any other answer is an ordinary response, after
// which the connection goes back to the front for its next request. The connection to the app is this exchange's
// own and is never reused: after an Upgrade request an app may treat it as anything.
import { connect, type Socket } from 'node:net'
import type { IncomingMessage } from 'node:http'
import type { AppProcess } from '../pool/app-process.js'
import type { Group } from '../pool/group.js'
import { FerryError, isFerryError } from '../errors.js'
import { hasRequestBody, responseHeadLinesForClient } from './headers.js'
import { ResponseParser, type ParserEvents } from './response-parser.js'
import type { AppHead } from './app-head.js'
import { RawResponse, type RawResponseOwner } from './raw-response.js'
import { requestHeadForApp } from './request-head.js'
import type { Abortable } from './exchange-types.js'
import type { AppRoute } from './router.js'
import { begin, refused } from './pipeline/admit.js'
import { routeFor } from './pipeline/route.js'
import { applyPendingRestart, toProcess, type Handover } from './pipeline/checkout.js'
import { failPage } from './pipeline/fail.js'
import type { PipelineState } from './pipeline/state.js'

/** Takes the connection back for its next request; bytes not yet answered have been put back on the socket. */
export type Resume = (socket: Socket) => void

/** Client bytes held while the app has not answered; past this the client is paused. */
const MAX_HELD = 64 * 1024
/** An app response head longer than this is refused (the response parser's own limit). */
const MAX_HEAD = 64 * 1024
const HEAD_END = Buffer.from('\r\n\r\n')
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: |$)/

/** Takes over a connection node's server handed over with an Upgrade request (its 'upgrade' event). */
export function acceptUpgrade (st: PipelineState, req: IncomingMessage, socket: Socket, head: Buffer, resume: Resume): void {
  new UpgradeExchange(st, req, socket, resume).start(head)
}

/** The dispatch stage of an upgrade: the exchange (listed as its entry's) connects to the process itself. */
const UPGRADE: Handover = {
  dispatch (_st, _req, _res, entry, route, p) {
    const exchange = entry.exchange
    if (!(exchange instanceof UpgradeExchange)) throw new FerryError('E_INTERNAL', 'an upgrade was checked out without its exchange')
    entry.process = p
    exchange.dispatch(route, p)
  }
}

type Phase = 'before-app' | 'waiting' | 'answering' | 'tunnel' | 'done'

class UpgradeExchange implements RawResponseOwner, ParserEvents, Abortable {
  readonly #st: PipelineState
  readonly #req: IncomingMessage
  readonly #socket: Socket
  readonly #resume: Resume
  readonly #res: RawResponse
  #phase: Phase = 'before-app'
  /** The client left before the exchange was over. */
  #gone = false
  /** What the client sent after the request head: a tunnel's first bytes, or the next request. */
  #held: Buffer[] = []
  #heldBytes = 0
  #route: AppRoute | undefined
  #group: Group | undefined
  #process: AppProcess | undefined
  /** The process's session is ours to release (once). */
  #sessionHeld = false
  #app: Socket | undefined
  #fromApp: Buffer | undefined
  #parser: ResponseParser | undefined
  #timer: NodeJS.Timeout | undefined

  constructor (st: PipelineState, req: IncomingMessage, socket: Socket, resume: Resume) {
    this.#st = st
    this.#req = req
    this.#socket = socket
    this.#resume = resume
    const keepAlive = req.httpVersionMinor === 1 && !/(?:^|,)\s*close\s*(?:,|$)/i.test(req.headers.connection ?? '')
    this.#res = new RawResponse(socket, this, req.method ?? 'GET', keepAlive, req.httpVersionMinor === 0)
  }

  start (head: Buffer): void {
    const socket = this.#socket
    const req = this.#req
    const res = this.#res
    socket.setNoDelay(true)
    socket.on('data', this.#onClientData)
    socket.on('end', this.#onClientGone)
    socket.on('close', this.#onClientGone)
    socket.on('error', noop)
    if (head.length > 0) this.#hold(head)
    const st = this.#st
    const entry = begin(st, req, res)
    if (socket.readableEnded || socket.destroyed) { this.#onClientGone(); return }
    if (refused(req, res)) return
    // The body's framing is node's parser's business, and it stops at the head of an upgrade: the bytes that follow
    // cannot be told apart from a tunnel's. Nothing sends one in practice (a WebSocket handshake is a GET).
    if (hasRequestBody(req.headers)) {
      res.shouldKeepAlive = false
      failPage(st, req, res, new FerryError('E_UPGRADE_BODY', 'an Upgrade request may not carry a body here: send it without Upgrade, or after the switch'), false)
      return
    }
    const route = routeFor(st, req, res)
    if (route === undefined) return
    entry.route = route
    this.#route = route
    applyPendingRestart(route.group)
    // Listed as the entry's exchange, for the dispatch stage to find (UPGRADE); a client that leaves while it is
    // queued closes the response, which takes it out of the queue.
    entry.exchange = this
    toProcess(st, req, res, entry, route, undefined, UPGRADE)
  }

  /** A process was checked out for the upgrade: its own connection to it carries the request. */
  dispatch (route: AppRoute, p: AppProcess): void {
    this.#group = route.group
    this.#process = p
    this.#sessionHeld = true
    this.#phase = 'waiting'
    const t = p.target
    // Half-open allowed: the end of what one side sends is passed on as such (see #tunnel).
    const app = t.kind === 'unix' ? connect({ path: t.socketPath, allowHalfOpen: true }) : connect({ port: t.port, host: t.host, allowHalfOpen: true })
    this.#app = app
    app.setNoDelay(true)
    app.on('data', this.#onAppData)
    app.on('close', this.#onAppClose)
    app.on('error', noop)
    app.write(this.#requestHead(route), 'latin1')
    const ms = route.upgradeTimeoutMs
    this.#timer = setTimeout(() => {
      this.#fail(new FerryError('E_UPGRADE_TIMEOUT', `the app did not answer the Upgrade request within ${ms / 1000} s (--upgrade-timeout)`))
    }, ms)
  }

  /** The head for the app, by the same rules as any request's, with the two hop-by-hop headers an upgrade needs. */
  #requestHead (route: AppRoute): string {
    const req = this.#req
    return requestHeadForApp(req, route.baseUri === '/' ? undefined : route.baseUri, this.#st.o.trustsPeer,
      `Upgrade: ${req.headers.upgrade ?? ''}\r\nConnection: upgrade\r\n`)
  }

  readonly #onClientData = (chunk: Buffer): void => { this.#hold(chunk) }

  #hold (chunk: Buffer): void {
    this.#held.push(chunk)
    this.#heldBytes += chunk.length
    if (this.#heldBytes > MAX_HELD) this.#socket.pause()
  }

  /** The client closed (or finished sending) before its answer: whatever was started for it is undone. */
  readonly #onClientGone = (): void => {
    if (this.#gone || this.#phase === 'tunnel' || this.#phase === 'done') return
    this.#gone = true
    clearTimeout(this.#timer)
    this.#closeApp()
    this.#res.abandon()
    this.#socket.destroy()
  }

  readonly #onAppData = (chunk: Buffer): void => {
    if (this.#phase === 'answering') { this.#feed(chunk); return }
    let buf = this.#fromApp === undefined ? chunk : Buffer.concat([this.#fromApp, chunk])
    this.#fromApp = undefined
    for (;;) {
      const end = buf.indexOf(HEAD_END)
      if (end < 0) {
        if (buf.length > MAX_HEAD) this.#fail(new FerryError('E_APP_RESPONSE', 'the app sent a response head over 64 KiB'))
        else this.#fromApp = buf
        return
      }
      const m = STATUS_LINE.exec(buf.toString('latin1', 0, buf.indexOf('\r\n')))
      const status = m === null ? 0 : Number(m[1])
      if (status === 101) { this.#tunnel(buf); return }
      // Informational answers (100 Continue, 103 Early Hints) are not the answer: it follows.
      if (status < 100 || status >= 200) { this.#answer(buf); return }
      buf = buf.subarray(end + 4)
      if (buf.length === 0) return
    }
  }

  readonly #onAppClose = (): void => {
    if (this.#phase === 'answering') {
      try { this.#parser!.finishOnClose() } catch (err) { this.#fail(err as Error) }
      return
    }
    this.#fail(new FerryError('E_APP_RESPONSE', 'the app closed the connection without answering the Upgrade request'))
  }

  /** The app switched protocols: from now on the two connections are one byte pipe. */
  #tunnel (fromApp: Buffer): void {
    this.#phase = 'tunnel'
    clearTimeout(this.#timer)
    const client = this.#socket
    const app = this.#app!
    const group = this.#group!
    const p = this.#process!
    this.#sessionHeld = false
    group.toTunnel(p)
    // The request is over (out of the in-flight list); its answer is the app's own head, passed on as it came.
    this.#res.passedOn(101)
    client.off('data', this.#onClientData)
    client.off('end', this.#onClientGone)
    client.off('close', this.#onClientGone)
    app.off('data', this.#onAppData)
    app.off('close', this.#onAppClose)
    client.write(fromApp)
    for (const b of this.#held) app.write(b)
    this.#held = []
    let open = true
    const close = (): void => {
      if (!open) return
      open = false
      client.destroy()
      app.destroy()
      group.closeTunnel(p)
    }
    // A side that ends what it sends ends the other side's too (pipe), and once that has gone out ('finish') the
    // tunnel is over: both close, as nginx does. A side that closes takes the other with it.
    client.once('finish', close)
    app.once('finish', close)
    client.once('close', close)
    app.once('close', close)
    app.pipe(client)
    client.pipe(app)
  }

  /** Any final answer but 101: an ordinary response, and the connection stays with the front. */
  #answer (fromApp: Buffer): void {
    this.#phase = 'answering'
    clearTimeout(this.#timer)
    this.#parser = new ResponseParser(this, this.#req.method === 'HEAD')
    this.#feed(fromApp)
  }

  #feed (chunk: Buffer): void {
    try {
      this.#parser!.execute(chunk)
    } catch (err) {
      this.#fail(err as Error)
    }
  }

  onHead (head: AppHead): void {
    this.#res.writeHeadPrepared(head.status, head.statusText, responseHeadLinesForClient(head), '', false)
  }

  onBody (chunk: Buffer): void {
    const app = this.#app
    if (!this.#res.write(Buffer.from(chunk)) && app !== undefined && !app.isPaused()) {
      app.pause()
      this.#res.once('drain', () => app.resume())
    }
  }

  onComplete (): void {
    this.#closeApp()
    this.#res.end()
  }

  /** The app failed to answer (or too late): an error page, or a cut connection once the response has begun. */
  #fail (err: Error): void {
    if (this.#gone || this.#phase === 'tunnel' || this.#phase === 'done') return
    clearTimeout(this.#timer)
    this.#closeApp()
    const res = this.#res
    if (res.headersSent) { res.destroy(); return }
    const e = isFerryError(err) ? err : new FerryError('E_APP_RESPONSE', `app process did not send a complete response: ${err.message}`, { cause: err })
    failPage(this.#st, this.#req, res, e, this.#route?.friendlyErrorPages ?? false)
  }

  /** Drops the connection to the app (never reused) and gives the process's session back, each once. */
  #closeApp (): void {
    const app = this.#app
    this.#app = undefined
    if (app !== undefined) {
      app.off('data', this.#onAppData)
      app.off('close', this.#onAppClose)
      app.destroy()
    }
    if (this.#sessionHeld) {
      this.#sessionHeld = false
      this.#group!.release(this.#process!)
    }
  }

  /** Ended from outside (as any exchange can be): the app failed to answer in time. */
  abort (err: Error): void { this.#fail(err) }

  closing (): boolean { return this.#st.draining }

  /** The answer (not a 101) is complete: the connection goes back to the front, or closes. */
  responseDone (res: RawResponse): void {
    if (this.#gone || this.#phase === 'tunnel' || this.#phase === 'done') return
    this.#phase = 'done'
    clearTimeout(this.#timer)
    this.#closeApp()
    const socket = this.#socket
    socket.off('data', this.#onClientData)
    socket.off('end', this.#onClientGone)
    socket.off('close', this.#onClientGone)
    if (socket.destroyed) return
    if (!res.shouldKeepAlive || this.#st.draining || socket.readableEnded) { socket.end(); return }
    const rest = this.#held
    this.#held = []
    if (rest.length > 0) socket.unshift(rest.length === 1 ? rest[0]! : Buffer.concat(rest))
    socket.off('error', noop)
    this.#resume(socket)
    if (socket.isPaused()) socket.resume()
  }
}

function noop (): void {}
