// The front server: accepts HTTP/1.1 (keep-alive) on TCP or a Unix socket and takes each request through its path:
// which app (Host, base URI, or the front server's X-Ferry-App-Root) → static file under its public/ → turbocache →
// check out a process (or queue, or spawn) → proxy → release. Plain GETs and HEADs are read by the lean front
// (lean-connection.ts) and everything else by node's HTTP server; both feed the same pipeline.
import { createServer, IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from '../log/logger.js'
import type { AppProcess } from '../pool/app-process.js'
import { QueueLeave } from '../pool/queue-leave.js'
import { isSpawnError } from '../spawn/spawn-error.js'
import { FerryError } from '../errors.js'
import { Upstreams } from './upstreams.js'
import { proxyRequest, type ProxyContext } from './proxy.js'
import { forwardedProto, type TrustsPeer } from './request-head.js'
import { checkRequest } from './request-checks.js'
import { acceptUpgrade, type UpgradeHooks } from './upgrade.js'
import { answerPlain, errorId, renderErrorPage, sendError, statusOf } from './error-pages.js'
import { pathInApp, stickyIdOf, type AppRoute, type Router } from './router.js'
import { RateMeter } from './rate-meter.js'
import { Inflight, type InflightEntry } from './inflight.js'
import { ResponseBuffers } from './response-buffers.js'
import { RequestSpool } from './request-spool.js'
import type { Recorder, Turbocache } from './turbocache.js'
import { Fill } from './cache-fills.js'
import { Revalidation, RevalidationSink } from './cache-revalidation.js'
import type { Scheme } from '../cache/key.js'
import { isFerryError } from '../errors.js'
import type { RequestHead, ResponseSink } from './exchange-types.js'
import { LeanConnection } from './lean-connection.js'
import { hasRequestBody } from './headers.js'
import type { LeanRequest } from './lean-request.js'
import type { RequestTally } from './request-tally.js'
import { KEEP_ALIVE_MS, type RawResponse } from './raw-response.js'

export interface FrontOptions {
  readonly router: Router
  readonly highWatermark: number
  /** Most bytes held for slow clients, all responses together (0: no limit). */
  readonly responseBufferBudget: number
  /** A request body from which no byte came for this long gets 408 and its app request is aborted (0: never). */
  readonly requestBodyTimeoutMs: number
  /** The instance's private directory: request bodies read ahead past request-spool.ts's IN_MEMORY go there. */
  readonly requestSpoolDir: string
  readonly logger: Logger
  /** X-Ferry-App-Root and friends are honoured (only ever true on a Unix socket with --trust-front-headers). */
  readonly trustFrontHeaders?: boolean
  /** --trust-proxy: whether a peer (its address; undefined on a Unix socket) may set X-Forwarded-*. */
  readonly trustsPeer?: TrustsPeer | undefined
  /** The route for an app root named by the front server; throws a FerryError when it cannot be served. */
  readonly adHocApp?: (root: string, environment: string | undefined, appType: string | undefined) => AppRoute
  /** Where finished requests are counted for --metrics-address; absent (nothing counted) without it. */
  readonly requestTally?: RequestTally | undefined
}

export interface FrontStats {
  requestsBegun: number
  activeRequests: number
  activeConnections: number
  peakActiveConnections: number
  connectionsAccepted: number
  readonly acceptRate: RateMeter
  readonly requestRate: RateMeter
  /** Bytes held for clients slower than their apps, and the budget for them. */
  readonly responseBuffers: ResponseBuffers
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
    acceptRate: new RateMeter(), requestRate: new RateMeter(), responseBuffers: new ResponseBuffers(o.responseBufferBudget)
  }
  const upstreams = new Upstreams()
  const inflight = new Inflight()
  const router = o.router
  const tally = o.requestTally
  let draining = false

  const failPage = (req: RequestHead, res: ResponseSink, err: unknown, friendly: boolean): void => {
    const status = statusOf(err)
    const id = errorId()
    const message = err instanceof Error ? err.message : String(err)
    // Keyed without the URL and ID: a crash-looping app fails every request alike, and that is one line a window.
    if (status >= 500 && status !== 503) {
      o.logger.error(`${req.method ?? ''} ${req.url ?? ''}: ${message} (error ID ${id})`,
        `requests answered ${status} (their URLs and error IDs are not logged one by one): ${message}`)
    }
    const detail = friendly ? { message, failure: isSpawnError(err) ? err.failure : undefined } : undefined
    const wantsJson = (req.headers['content-type'] ?? '').startsWith('application/json')
    sendError(res, req.method, status, renderErrorPage({ status, id, detail }), wantsJson)
  }

  // One proxy context per app: it knows which group a finished request goes back to.
  const contexts = new WeakMap<AppRoute, ProxyContext>()
  const contextFor = (route: AppRoute): ProxyContext => {
    let ctx = contexts.get(route)
    if (ctx === undefined) {
      const group = route.group
      ctx = {
        highWatermark: o.highWatermark,
        buffers: stats.responseBuffers,
        onDone: (p, failure, oobRequested) => {
          group.release(p, oobRequested)
          if (failure !== undefined && p.state === 'dead') upstreams.discard(p)
        },
        onFailedBeforeResponse: (req, res, err) => {
          failPage(req, res, isFerryError(err) ? err : new FerryError('E_APP_RESPONSE', `app process did not send a complete response: ${err.message}`, { cause: err }), route.friendlyErrorPages)
        },
        cache: route.turbocache,
        prefix: route.baseUri === '/' ? undefined : route.baseUri,
        trustsPeer: o.trustsPeer,
        retryElsewhere: (entry, p, recorder, req, res) => {
          // The process refused the connection: it leaves rotation now rather than when its exit is noticed, and the
          // request (none of which reached it) goes to another process, a few times at most.
          group.release(p)
          group.abandon(p, 'unreachable')
          upstreams.discard(p)
          if (res.destroyed) return
          entry.retries++
          if (entry.retries > MAX_UNREACHABLE_RETRIES) {
            failPage(req, res, new FerryError('E_APP_RESPONSE', `app process ${p.pid} of ${group.name} could not be reached`), route.friendlyErrorPages)
            return
          }
          toProcess(req, res, entry, route, recorder)
        }
      }
      contexts.set(route, ctx)
    }
    return ctx
  }

  const dispatch = (req: RequestHead, res: ResponseSink, entry: InflightEntry, route: AppRoute, p: AppProcess, recorder: Recorder | undefined, stickyId: string | undefined): void => {
    entry.process = p
    // A process of the app's version before a restart (still serving while a rolling restart replaces it, or
    // finishing what it had): its answer goes to its client, but is not stored over the deploy's purge.
    if (recorder !== undefined && p.groupUuid !== route.group.uuid) recorder.fromOldVersion()
    // Only an app with --max-request-time needs the time; the sweep skips entries without it.
    if (route.maxRequestTimeMs > 0) entry.dispatchedAt = Date.now()
    // The first response (or one after the named process went away) tells the client which process to come back to.
    const cookie = route.stickyCookie
    const setCookie = cookie !== undefined && stickyId !== p.stickyId
      ? `${cookie}=${p.stickyId}; Path=${route.baseUri}; HttpOnly; SameSite=Lax`
      : undefined
    const body = entry.spooled !== undefined && req === entry.req
      ? entry.spooled
      : req instanceof IncomingMessage && hasRequestBody(req.headers) ? req : undefined
    const exchange = proxyRequest(req, res, body, p, upstreams.get(p), contextFor(route), recorder, setCookie, entry)
    const watchBody = body instanceof IncomingMessage && !body.complete && o.requestBodyTimeoutMs > 0
    if (watchBody) entry.body = { stream: body, bytes: body.socket.bytesRead, at: Date.now() }
    // Kept only when the sweep may need to abort it: holding every exchange until its response closes measured
    // ~4 µs of extra core CPU per request (garbage collection), 10% of the proxy's cost.
    if (route.maxRequestTimeMs > 0 || watchBody) entry.exchange = exchange
  }

  /** The app a front server named with X-Ferry-App-Root, or why it cannot be served (nothing is answered here). */
  const namedRoute = (req: RequestHead, named: string | string[]): AppRoute | Error => {
    if (o.trustFrontHeaders !== true || o.adHocApp === undefined || typeof named !== 'string') return UNTRUSTED
    try {
      return o.adHocApp(named, single(req.headers['x-ferry-app-env']), single(req.headers['x-ferry-app-type']))
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err))
    }
  }

  /** The app for this request; answers it (400/404/error page) and returns undefined when there is none. */
  const routeFor = (req: IncomingMessage, res: ResponseSink): AppRoute | undefined => {
    const named = req.headers['x-ferry-app-root']
    if (named === undefined) {
      const route = router.resolve(req.headers.host, req.url ?? '/')
      if (route === undefined) answerNoApp(req, res)
      return route
    }
    const route = namedRoute(req, named)
    if (route === UNTRUSTED) answerPlain(res, req.method, 400, 'X-Ferry-App-Root is honoured only on a Unix socket with --trust-front-headers\n')
    else if (route instanceof Error) failPage(req, res, route, false)
    else return route
    return undefined
  }

  /** Counts the request and links it into the in-flight list until its response closes. */
  const begin = (req: RequestHead, res: ResponseSink): InflightEntry => {
    stats.requestsBegun++
    stats.requestRate.mark()
    stats.activeRequests++
    const entry = inflight.add(req, res, Date.now())
    res.once('close', () => {
      stats.activeRequests--
      inflight.delete(entry)
      tally?.record(entry.route?.root, res.headersSent ? res.statusCode : 0, Date.now() - entry.startedAt)
      if (entry.cacheFill !== undefined) entry.cacheFill.abandon()
    })
    if (draining) res.shouldKeepAlive = false
    return entry
  }

  /** Requests read by node's HTTP server: anything the lean front does not take. */
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // node parses pipelined requests ahead and hands each over at once. Those behind a refused one are never acted on
    // (the connection closes after the refusal). The others are served one at a time, in order, as the lean front
    // and nginx serve them (RFC 9112 §9.3.2), each once node gives its response the connection: otherwise one
    // connection could put any number of (unsafe) requests in the app at once, past every budget.
    if (refused.has(req.socket)) { req.resume(); return }
    lastRequest.set(req.socket, req)
    if (res.socket === null) { res.once('socket', () => { if (!refused.has(req.socket)) serveParsed(req, res) }); return }
    serveParsed(req, res)
  }

  const serveParsed = (req: IncomingMessage, res: ServerResponse): void => {
    const entry = begin(req, res)
    const refusal = checkRequest(req)
    if (refusal !== undefined) {
      refused.add(req.socket)
      res.shouldKeepAlive = false
      answerPlain(res, req.method, refusal.status, `${refusal.reason}\n`)
      return
    }
    const route = routeFor(req, res)
    if (route === undefined) return
    entry.route = route
    if (route.staticFiles?.tryServe(req, res, pathInApp(req.url ?? '/', route.baseUri)) === true) return
    serveFromApp(req, res, entry, route)
  }

  /** Requests read by the lean front; false hands the connection to node's server (static files use `send`). */
  const handleLean = (req: LeanRequest, res: RawResponse): boolean => {
    const named = req.headers['x-ferry-app-root']
    const found = named === undefined ? router.resolve(req.headers.host, req.url) : namedRoute(req, named)
    // node's path answers a named app that cannot be served (it asks again; refusals are remembered, so cheaply).
    if (found instanceof Error) return false
    const route = found
    if (route?.staticFiles?.matches(req.method, pathInApp(req.url, route.baseUri)) === true) return false
    const entry = begin(req, res)
    if (route === undefined) { answerNoApp(req, res); return true }
    entry.route = route
    serveFromApp(req, res, entry, route)
    return true
  }

  /** Turbocache, then a process of the app's group (checked out, or waited for in its queue). */
  const serveFromApp = (req: RequestHead, res: ResponseSink, entry: InflightEntry, route: AppRoute): void => {
    // A boolean the restart.txt watcher sets; the file system is never looked at here. Checked before the
    // turbocache, so a restart (and the purge of the app's entries it brings) takes effect while hits answer.
    const group = route.group
    if (group.restartPending) group.applyPendingRestart()
    // A hit never touches the pool: no process is checked out and no queue is entered.
    const cache = route.turbocache
    // Still pending after that (tmp/always_restart.txt): the cache is skipped, so no hit outlives a deploy.
    if (cache !== undefined && !group.restartPending) {
      const trusted = o.trustsPeer !== undefined && o.trustsPeer(req.socket.remoteAddress)
      // A trusted proxy may name another host than Host (X-Forwarded-Host, Forwarded) for the app to build URLs
      // from: the cache keys on Host, so such a request neither reads nor fills it.
      if (trusted && namesAnotherHost(req)) { toProcess(req, res, entry, route, undefined); return }
      throughCache(req, res, entry, route, cache, trusted ? forwardedProto(req, true) : 'http', true)
    } else toProcess(req, res, entry, route, undefined)
  }

  /** The turbocache's answer, or what it asks the app (a miss to record, a revalidation), or a wait for another's. */
  const throughCache = (req: RequestHead, res: ResponseSink, entry: InflightEntry, route: AppRoute, cache: Turbocache, scheme: Scheme, collapse: boolean): void => {
    const cached = cache.handle(req, res, scheme, collapse)
    if (cached === true) return
    if (cached instanceof Fill) {
      // The same miss is already at the app: wait for its answer (served from the store), or try again alone.
      cache.follow(cached, req, res, () => throughCache(req, res, entry, route, cache, scheme, false))
      return
    }
    if (cached instanceof Revalidation) {
      if (cached.background) { inBackground(cached, route); return }
      if (cached.sink instanceof RevalidationSink) cached.sink.again = () => throughCache(req, res, entry, route, cache, scheme, false)
      entry.cacheFill = cached.recorder
      toProcess(cached.request, cached.sink, entry, route, cached.recorder)
      return
    }
    // Told when the response closes, however it ends: those waiting for this miss must not wait forever.
    entry.cacheFill = cached
    toProcess(req, res, entry, route, cached)
  }

  /**
   * A revalidation no client waits for (stale-while-revalidate): listed with the requests in flight, and given up
   * after BACKGROUND_TIMEOUT_MS (its sink closes, which ends its exchange).
   */
  const inBackground = (r: Revalidation, route: AppRoute): void => {
    // Only on a process free now: queued, it would wait ahead of clients and count against their queue (503s),
    // for an entry that is being served meanwhile anyway. Without one it is given up; a later request tries again.
    const stickyId = stickyIdOf(route, r.request.headers)
    const p = route.group.checkout(stickyId)
    if (p === undefined) { r.sink.destroy(); return }
    const entry = inflight.add(r.request, r.sink, Date.now())
    entry.route = route
    const timer = setTimeout(() => r.sink.destroy(), BACKGROUND_TIMEOUT_MS).unref()
    r.sink.once('close', () => { clearTimeout(timer); inflight.delete(entry) })
    dispatch(r.request, r.sink, entry, route, p, r.recorder, stickyId)
  }

  /** A process of the app's group, checked out or waited for in its queue; `cached`: the turbocache's recorder. */
  const toProcess = (req: RequestHead, res: ResponseSink, entry: InflightEntry, route: AppRoute, cached: Recorder | undefined): void => {
    const group = route.group
    if (group.oneAtATime && entry.spooled === undefined && req === entry.req && req instanceof IncomingMessage && hasRequestBody(req.headers)) {
      readBodyFirst(req, res, entry, route, cached)
      return
    }
    const stickyId = stickyIdOf(route, req.headers)
    const p = group.checkout(stickyId)
    if (p !== undefined) { dispatch(req, res, entry, route, p, cached, stickyId); return }
    const queued = new QueueLeave()
    const onClose = (): void => queued.leave(new Error('client went away while queued'))
    res.once('close', onClose)
    group.acquire(queued, stickyId).then(q => {
      res.off('close', onClose)
      if (res.destroyed) { group.release(q); return }
      dispatch(req, res, entry, route, q, cached, stickyId)
    }, (err: unknown) => {
      res.off('close', onClose)
      if (!res.destroyed) failPage(req, res, err, route.friendlyErrorPages)
    })
  }

  /**
   * For an app whose processes take one request at a time, the body is read whole before one is checked out
   * (request-spool.ts); --request-body-timeout applies meanwhile as it does while a body streams to an app.
   */
  const readBodyFirst = (req: IncomingMessage, res: ResponseSink, entry: InflightEntry, route: AppRoute, cached: Recorder | undefined): void => {
    const spool = new RequestSpool(req, o.requestSpoolDir, body => {
      entry.body = undefined
      entry.exchange = undefined
      res.off('close', giveUp)
      if (res.destroyed) { body.dispose(); return }
      entry.spooled = body
      res.once('close', () => body.dispose())
      toProcess(req, res, entry, route, cached)
    }, err => {
      entry.body = undefined
      entry.exchange = undefined
      if (res.destroyed) return
      // Its body is left unread: the connection cannot carry another request.
      res.shouldKeepAlive = false
      failPage(req, res, isFerryError(err) ? err : new FerryError('E_REQUEST_BODY_STORE', `the request body could not be stored: ${err.message}`, { cause: err }), route.friendlyErrorPages)
    })
    const giveUp = (): void => spool.dispose()
    res.once('close', giveUp)
    if (o.requestBodyTimeoutMs > 0 && !req.complete) {
      entry.body = { stream: req, bytes: req.socket.bytesRead, at: Date.now() }
      entry.exchange = spool
    }
  }

  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: 60_000, requestTimeout: 0 }, handle)
  // Every connection starts on the lean front; node's own connection listener takes those handed over.
  const nodeConnection = server.listeners('connection')[0] as ((socket: Socket) => void) | undefined
  if (nodeConnection === undefined) throw new Error('node:http no longer registers its connection listener; the lean front cannot hand over')
  server.removeListener('connection', nodeConnection)
  const lean = new Set<LeanConnection>()
  const leanHandlers = {
    serve: handleLean,
    handOff: (socket: Socket): void => { nodeConnection.call(server, socket) },
    draining: () => draining
  }
  /** A connection read by the lean front: every new one, and one an upgrade gave back after a non-101 answer. */
  const onLeanFront = (socket: Socket): void => {
    const c = new LeanConnection(socket, leanHandlers)
    lean.add(c)
    socket.once('close', () => lean.delete(c))
  }
  server.on('connection', (socket: Socket) => {
    stats.activeConnections++
    stats.connectionsAccepted++
    inflight.connected(socket, stats.connectionsAccepted, Date.now())
    stats.acceptRate.mark()
    if (stats.activeConnections > stats.peakActiveConnections) stats.peakActiveConnections = stats.activeConnections
    socket.once('close', () => { stats.activeConnections-- })
    onLeanFront(socket)
  })
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket))
  // Upgrades take the same path as requests (upgrade.ts); an answer other than 101 gives the connection back here.
  const upgradeHooks: UpgradeHooks = {
    begin,
    route: routeFor,
    fail: failPage,
    resume: onLeanFront,
    closing: () => draining,
    trustsPeer: o.trustsPeer
  }
  // node emits 'upgrade' as soon as it parses the request, even behind pipelined requests still being answered.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => afterEarlierResponses(socket, () => {
    if (!socket.destroyed) acceptUpgrade(req, socket as Socket, head, upgradeHooks)
  }))

  // One sweep over the requests in flight rather than a timer per request: the request path pays nothing for it.
  const sweeper = setInterval(() => timeOutStuckRequests(inflight, o.logger, o.requestBodyTimeoutMs), SWEEP_MS).unref()
  server.once('close', () => clearInterval(sweeper))

  const drain = async (graceMs: number): Promise<void> => {
    draining = true
    const closed = new Promise<void>(resolve => server.close(() => resolve()))
    const closeIdle = (): void => {
      server.closeIdleConnections()
      for (const c of lean) c.closeIfIdle()
    }
    closeIdle()
    const deadline = Date.now() + graceMs
    while (stats.activeRequests > 0 && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 25))
      closeIdle()
    }
    server.closeAllConnections()
    for (const c of lean) c.destroy()
    await closed
  }

  return { server, stats, upstreams, inflight, drain }
}

/** A background revalidation not answered within this long is given up (the stale entry stays as it was). */
const BACKGROUND_TIMEOUT_MS = 30_000

/** How many other processes a request may be given to when the one it was sent to cannot be reached. */
const MAX_UNREACHABLE_RETRIES = 3

/** How often requests are compared with --max-request-time and --request-body-timeout. */
const SWEEP_MS = 250

const single = (v: string | string[] | undefined): string | undefined => Array.isArray(v) ? v[0] : v

/** X-Ferry-App-Root where it is not honoured: answered 400. */
const UNTRUSTED = new Error('X-Ferry-App-Root is not honoured here')

/** 404 naming the host, so a front-server or DNS mistake is obvious. */
function answerNoApp (req: RequestHead, res: ResponseSink): void {
  // eslint-disable-next-line no-control-regex
  const host = (req.headers.host ?? '(no Host header)').slice(0, 255).replace(/[\x00-\x1f\x7f]/g, '?')
  answerPlain(res, req.method, 404, `No app is configured for host ${host} at this path.\n`)
}

/**
 * Requests in an app process for longer than their app's limit get 504; the process is taken out and killed. A
 * request whose body stopped arriving gets 408 and its request in the app is aborted.
 */
function timeOutStuckRequests (inflight: Inflight, logger: Logger, bodyTimeoutMs: number): void {
  const now = Date.now()
  for (const e of inflight.entries()) {
    if (e.body !== undefined) timeOutIdleBody(e, now, bodyTimeoutMs, logger)
    const p = e.process
    const limitMs = e.route?.maxRequestTimeMs ?? 0
    if (limitMs === 0 || p === undefined || e.exchange === undefined || e.dispatchedAt === 0 || now - e.dispatchedAt < limitMs) continue
    const group = e.route!.group
    logger.error(`${e.req.method ?? ''} ${e.req.url ?? ''}: no response from app process ${p.pid} of ${group.name} ` +
      `within ${limitMs / 1000} s (--max-request-time); answering 504 and replacing the process`)
    group.abandon(p)
    e.exchange.abort(new FerryError('E_REQUEST_TIMEOUT', `the app did not answer within ${limitMs / 1000} s`))
    e.exchange = undefined
  }
}

function namesAnotherHost (req: RequestHead): boolean {
  const forwardedHost = req.headers['x-forwarded-host']
  return req.headers.forwarded !== undefined || (forwardedHost !== undefined && forwardedHost !== req.headers.host)
}

/** Connections whose last answer is a refusal (framing or Host): what follows on them is not read as requests. */
const refused = new WeakSet<Duplex>()

/** The request node's server read last on each connection: a parse error after it may be inside its body. */
const lastRequest = new WeakMap<Duplex, IncomingMessage>()

/** The response node's server is writing on this connection, if any (pipelined ones wait behind it for their turn). */
function pendingResponse (socket: Duplex): ServerResponse | undefined {
  return (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined
}

/** Runs `fn` once node's server has finished every response it owes on this connection (it hands them the socket in turn). */
function afterEarlierResponses (socket: Duplex, fn: () => void): void {
  const pending = pendingResponse(socket)
  if (pending === undefined) { fn(); return }
  pending.once('close', () => setImmediate(() => afterEarlierResponses(socket, fn)))
}

/**
 * Idle means the client sent nothing while Ferry was reading: a body paused because the app reads it slowly is not
 * the client's fault, so the clock starts again. nginx's client_body_timeout, measured the same way.
 */
function timeOutIdleBody (e: InflightEntry, now: number, timeoutMs: number, logger: Logger): void {
  const body = e.body!
  if (body.stream.complete || e.exchange === undefined) { e.body = undefined; return }
  const bytes = e.req.socket.bytesRead ?? 0
  if (bytes !== body.bytes || body.stream.readableFlowing !== true) { body.bytes = bytes; body.at = now; return }
  if (now - body.at < timeoutMs) return
  e.body = undefined
  logger.info(`${e.req.method ?? ''} ${e.req.url ?? ''}: no byte of the request body from ${e.req.socket.remoteAddress ?? 'the client'} ` +
    `for ${timeoutMs / 1000} s (--request-body-timeout); answering 408 and aborting the request in the app`)
  // The rest of the body will not be read: the connection cannot carry another request.
  e.res.shouldKeepAlive = false
  e.exchange.abort(new FerryError('E_REQUEST_BODY_TIMEOUT', `no byte of the request body came for ${timeoutMs / 1000} s`))
  e.exchange = undefined
}

/** Malformed requests get a minimal answer on their own connection; everyone else is unaffected. */
function answerClientError (err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) { socket.destroy(); return }
  // The bad bytes were inside a request's body: that request is broken and may already be at the app. The connection
  // is closed, which aborts it there; an error answer now could only be taken for the answer to another request.
  if (lastRequest.get(socket)?.complete === false) { socket.destroy(); return }
  // Bytes after a request that said Connection: close, or after one Ferry refused (its connection closes after the
  // refusal): that request is answered, the rest ignored (as nginx does) rather than given an answer of its own.
  if (err.code === 'HPE_CLOSED_CONNECTION' || refused.has(socket)) { afterEarlierResponses(socket, () => socket.end()); return }
  // Requests read before the bad one are answered first, in order: a 400 written now would take the place of their
  // responses (and leave them in flight forever).
  if (pendingResponse(socket) !== undefined) { afterEarlierResponses(socket, () => answerClientError(err, socket)); return }
  const [status, text] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request']
  const body = `${status} ${text}\n`
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
}
