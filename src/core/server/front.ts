// The front server: accepts HTTP/1.1 (keep-alive) on TCP or a Unix socket and takes each request through its path:
// static file under public/ → check out a process (or queue, or spawn) → proxy → release.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from '../log/logger.js'
import type { Group } from '../pool/group.js'
import type { AppProcess } from '../pool/app-process.js'
import { isSpawnError } from '../spawn/spawn-error.js'
import { FerryError } from '../errors.js'
import { Upstreams } from './upstreams.js'
import { proxyRequest, type ProxyContext } from './proxy.js'
import { pipeUpgrade } from './upgrade.js'
import { errorId, renderErrorPage, sendError, statusOf } from './error-pages.js'
import type { StaticFiles } from './static.js'
import { RateMeter } from './rate-meter.js'
import { Inflight, type InflightEntry } from './inflight.js'
import type { Recorder, Turbocache } from './turbocache.js'
import { cookieValue } from '../cache/key.js'
import { isFerryError } from '../errors.js'

export interface FrontOptions {
  readonly group: Group
  readonly staticFiles?: StaticFiles
  readonly friendlyErrorPages: boolean
  readonly highWatermark: number
  readonly logger: Logger
  /** Absent when turbocaching is disabled. */
  readonly turbocache?: Turbocache | undefined
  /** The sticky-sessions cookie name; absent when sticky sessions are off. */
  readonly stickyCookie?: string | undefined
  /** Requests that spend longer than this in an app process get 504 and the process is replaced; 0 = no limit. */
  readonly maxRequestTimeMs?: number
}

export interface FrontStats {
  requestsBegun: number
  activeRequests: number
  activeConnections: number
  peakActiveConnections: number
  connectionsAccepted: number
  readonly acceptRate: RateMeter
  readonly requestRate: RateMeter
}

export interface FrontServer {
  readonly server: Server
  readonly stats: FrontStats
  readonly upstreams: Upstreams
  readonly inflight: Inflight
  /** Stops accepting; waits (at most graceMs) for requests in flight, then closes every connection. */
  drain (graceMs: number): Promise<void>
}

export function createFrontServer (o: FrontOptions): FrontServer {
  const stats: FrontStats = {
    requestsBegun: 0, activeRequests: 0, activeConnections: 0, peakActiveConnections: 0, connectionsAccepted: 0,
    acceptRate: new RateMeter(), requestRate: new RateMeter()
  }
  const upstreams = new Upstreams()
  const inflight = new Inflight()
  const group = o.group
  let draining = false

  const failPage = (req: IncomingMessage, res: ServerResponse, err: unknown): void => {
    const status = statusOf(err)
    const id = errorId()
    const message = err instanceof Error ? err.message : String(err)
    if (status >= 500 && status !== 503) o.logger.error(`${req.method ?? ''} ${req.url ?? ''}: ${message} (error ID ${id})`)
    const detail = o.friendlyErrorPages ? { message, failure: isSpawnError(err) ? err.failure : undefined } : undefined
    const wantsJson = (req.headers['content-type'] ?? '').startsWith('application/json')
    sendError(res, status, renderErrorPage({ status, id, detail }), wantsJson)
  }

  const ctx: ProxyContext = {
    highWatermark: o.highWatermark,
    onDone: (p, failure, oobRequested) => {
      group.release(p, oobRequested)
      if (failure !== undefined && p.state === 'dead') upstreams.discard(p)
    },
    onFailedBeforeResponse: (req, res, err) => {
      failPage(req, res, isFerryError(err) ? err : new FerryError('E_APP_RESPONSE', `app process did not send a complete response: ${err.message}`, { cause: err }))
    },
    cache: o.turbocache
  }

  const stickyCookie = o.stickyCookie
  const dispatch = (req: IncomingMessage, res: ServerResponse, entry: InflightEntry, p: AppProcess, recorder: Recorder | undefined, stickyId: string | undefined): void => {
    entry.process = p
    entry.dispatchedAt = Date.now()
    // The first response (or one after the named process went away) tells the client which process to come back to.
    const setCookie = stickyCookie !== undefined && stickyId !== p.stickyId
      ? `${stickyCookie}=${p.stickyId}; Path=/; HttpOnly; SameSite=Lax`
      : undefined
    entry.exchange = proxyRequest(req, res, p, upstreams.get(p), ctx, recorder, setCookie)
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    stats.requestsBegun++
    stats.requestRate.mark()
    stats.activeRequests++
    const entry = inflight.add(req, res, Date.now())
    res.once('close', () => { stats.activeRequests--; inflight.delete(entry) })
    if (draining) res.shouldKeepAlive = false
    if (o.staticFiles?.tryServe(req, res) === true) return
    // A hit never touches the pool: no process is checked out and no queue is entered.
    const cached = o.turbocache?.handle(req, res)
    if (cached === true) return
    // A boolean the restart.txt watcher sets; the file system is never looked at here.
    if (group.restartPending) group.applyPendingRestart()
    const stickyId = stickyCookie === undefined ? undefined : cookieValue(req.headers.cookie, stickyCookie) ?? undefined
    const p = group.checkout(stickyId)
    if (p !== undefined) { dispatch(req, res, entry, p, cached, stickyId); return }
    const abort = new AbortController()
    const onClose = (): void => abort.abort(new Error('client went away while queued'))
    res.once('close', onClose)
    group.acquire(abort.signal, stickyId).then(q => {
      res.off('close', onClose)
      if (res.destroyed) { group.release(q); return }
      dispatch(req, res, entry, q, cached, stickyId)
    }, (err: unknown) => {
      res.off('close', onClose)
      if (!res.destroyed) failPage(req, res, err)
    })
  }

  const server = createServer({ keepAliveTimeout: 5_000, headersTimeout: 60_000, requestTimeout: 0 }, handle)
  server.on('connection', (socket: Socket) => {
    stats.activeConnections++
    stats.connectionsAccepted++
    stats.acceptRate.mark()
    if (stats.activeConnections > stats.peakActiveConnections) stats.peakActiveConnections = stats.activeConnections
    socket.once('close', () => { stats.activeConnections-- })
  })
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket))
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const p = group.checkout()
    if (p === undefined) { socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'); return }
    pipeUpgrade(req, socket, head, p.target, () => group.release(p))
  })

  // One sweep over the requests in flight rather than a timer per request: the request path pays nothing for it.
  const maxRequestTimeMs = o.maxRequestTimeMs ?? 0
  const sweeper = maxRequestTimeMs > 0
    ? setInterval(() => timeOutStuckRequests(inflight, group, maxRequestTimeMs, o.logger), Math.min(1000, Math.max(50, maxRequestTimeMs / 4))).unref()
    : undefined
  server.once('close', () => clearInterval(sweeper))

  const drain = async (graceMs: number): Promise<void> => {
    draining = true
    const closed = new Promise<void>(resolve => server.close(() => resolve()))
    server.closeIdleConnections()
    const deadline = Date.now() + graceMs
    while (stats.activeRequests > 0 && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 25))
      server.closeIdleConnections()
    }
    server.closeAllConnections()
    await closed
  }

  return { server, stats, upstreams, inflight, drain }
}

/** Requests in an app process for longer than the limit get 504; their process is taken out and killed. */
function timeOutStuckRequests (inflight: Inflight, group: Group, limitMs: number, logger: Logger): void {
  const now = Date.now()
  for (const e of inflight.entries()) {
    const p = e.process
    if (p === undefined || e.exchange === undefined || e.dispatchedAt === 0 || now - e.dispatchedAt < limitMs) continue
    logger.error(`${e.req.method ?? ''} ${e.req.url ?? ''}: no response from app process ${p.pid} of ${group.name} ` +
      `within ${limitMs / 1000} s (--max-request-time); answering 504 and replacing the process`)
    group.abandon(p)
    e.exchange.abort(new FerryError('E_REQUEST_TIMEOUT', `the app did not answer within ${limitMs / 1000} s`))
    e.exchange = undefined
  }
}

/** Malformed requests get a minimal answer on their own connection; everyone else is unaffected. */
function answerClientError (err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) { socket.destroy(); return }
  const [status, text] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request']
  const body = `${status} ${text}\n`
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
}
