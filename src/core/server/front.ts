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
import { Inflight } from './inflight.js'
import type { Recorder, Turbocache } from './turbocache.js'

export interface FrontOptions {
  readonly group: Group
  readonly staticFiles?: StaticFiles
  readonly friendlyErrorPages: boolean
  readonly highWatermark: number
  readonly logger: Logger
  /** Absent when turbocaching is disabled. */
  readonly turbocache?: Turbocache | undefined
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
    onDone: (p, failure) => {
      group.release(p)
      if (failure !== undefined && p.state === 'dead') upstreams.discard(p)
    },
    onFailedBeforeResponse: (req, res, err) => {
      failPage(req, res, new FerryError('E_APP_RESPONSE', `app process did not send a complete response: ${err.message}`, { cause: err }))
    },
    cache: o.turbocache
  }

  const dispatch = (req: IncomingMessage, res: ServerResponse, p: AppProcess, recorder: Recorder | undefined): void => {
    proxyRequest(req, res, p, upstreams.get(p), ctx, recorder)
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
    const p = group.checkout()
    if (p !== undefined) { entry.process = p; dispatch(req, res, p, cached); return }
    const abort = new AbortController()
    const onClose = (): void => abort.abort(new Error('client went away while queued'))
    res.once('close', onClose)
    group.acquire(abort.signal).then(q => {
      res.off('close', onClose)
      if (res.destroyed) { group.release(q); return }
      entry.process = q
      dispatch(req, res, q, cached)
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

/** Malformed requests get a minimal answer on their own connection; everyone else is unaffected. */
function answerClientError (err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) { socket.destroy(); return }
  const [status, text] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request']
  const body = `${status} ${text}\n`
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
}
