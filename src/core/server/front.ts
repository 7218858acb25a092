// The front server: accepts HTTP/1.1 (keep-alive) on TCP or a Unix socket, counts connections, and hands each
// request to the request pipeline (pipeline/request-pipeline.ts). Plain GETs and HEADs are read by the lean front
// (lean-connection.ts) and everything else by node's HTTP server (node-requests.ts); upgrades by upgrade.ts. All
// of them feed the same pipeline. A graceful stop (drain) is here too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { FerryError } from '../errors.js'
import { Upstreams } from './upstreams.js'
import { acceptUpgrade } from './upgrade.js'
import { RateMeter } from './rate-meter.js'
import { Inflight } from './inflight.js'
import { ResponseBuffers } from './response-buffers.js'
import { LeanConnection, type LeanHandlers } from './lean-connection.js'
import type { LeanRequest } from './lean-request.js'
import { KEEP_ALIVE_MS, type RawResponse } from './raw-response.js'
import { afterEarlierResponses, answerClientError, inOrder } from './node-requests.js'
import { serveLean, serveParsed } from './pipeline/request-pipeline.js'
import { SWEEP_MS, timeOutStuckRequests } from './pipeline/sweep.js'
import type { FrontOptions, FrontStats, PipelineState } from './pipeline/state.js'

export type { FrontOptions, FrontStats } from './pipeline/state.js'

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
  const st: PipelineState = { o, stats, upstreams: new Upstreams(), inflight: new Inflight(), contexts: new WeakMap(), draining: false }
  const inflight = st.inflight

  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: 60_000, requestTimeout: 0 },
    inOrder((req: IncomingMessage, res: ServerResponse) => serveParsed(st, req, res)))
  // Every connection starts on the lean front; node's own connection listener takes those handed over.
  const nodeConnection = server.listeners('connection')[0] as ((socket: Socket) => void) | undefined
  if (nodeConnection === undefined) throw new FerryError('E_INTERNAL', `node:http ${process.version} registers no connection listener for the lean front to hand connections over to: run Ferry on Node 20 or 22`)
  server.removeListener('connection', nodeConnection)
  const lean = new Set<LeanConnection>()
  const leanHandlers: LeanHandlers = {
    serve: (req: LeanRequest, res: RawResponse) => serveLean(st, req, res),
    handOff: (socket: Socket): void => { nodeConnection.call(server, socket) },
    draining: () => st.draining
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
  // Upgrades take the same stages as requests (upgrade.ts); an answer other than 101 gives the connection back here.
  // node emits 'upgrade' as soon as it parses the request, even behind pipelined requests still being answered.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => afterEarlierResponses(socket, () => {
    if (!socket.destroyed) acceptUpgrade(st, req, socket as Socket, head, onLeanFront)
  }))

  // One sweep over the requests in flight rather than a timer per request: the request path pays nothing for it.
  const sweeper = setInterval(() => timeOutStuckRequests(inflight, o.logger, o.requestBodyTimeoutMs), SWEEP_MS).unref()
  server.once('close', () => clearInterval(sweeper))

  const drain = async (graceMs: number): Promise<void> => {
    st.draining = true
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

  return { server, stats, upstreams: st.upstreams, inflight, drain }
}
