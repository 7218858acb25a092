// The --metrics-address listener in the core: /metrics (Prometheus text format), /healthz (the core's event loop
// answers) and /readyz (every app can take a request), without authentication, for Prometheus, load balancers and
// Kubernetes probes. It binds exactly where it is told: the series name apps (their roots) and processes, no
// secrets, and probes reach a pod on its own address rather than on loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Registry } from 'prom-client'
import { FerryError } from '../errors.js'
import { boundHttpUrl } from '../bound-url.js'
import type { Logger } from '../log/logger.js'
import type { Readiness } from './readiness.js'

/**
 * Connections open at once: plenty for a few scrapers and probes. A new one beyond it closes the oldest connection
 * that has no request being answered (idle, or still sending its head), rather than being refused itself: else a
 * client holding 32 half-sent requests (slowloris) would keep every liveness probe out until the header timeout,
 * and the orchestrator would restart a healthy Ferry. Probes send their request at once, so they are not evicted.
 */
const MAX_CONNECTIONS = 32

export interface MetricsServerDeps {
  readonly registry: Registry
  readonly readiness: () => Readiness
  readonly logger: Logger
}

export interface MetricsServer {
  readonly server: Server
  /** e.g. http://127.0.0.1:9100 (the port bound, also when 0 was asked for). */
  readonly url: string
  close (): Promise<void>
}

function reply (res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' })
  res.end(body)
}

const TEXT = 'text/plain; charset=utf-8'

export async function startMetricsServer (where: { host: string, port: number }, d: MetricsServerDeps): Promise<MetricsServer> {
  // Scrapes that arrive while one is being rendered get its text: however many scrapers, one rendering at a time.
  let rendering: Promise<string> | undefined
  const render = (): Promise<string> => (rendering ??= d.registry.metrics().finally(() => { rendering = undefined }))

  /** Open connections, oldest first, and whether a request of theirs is being answered. */
  const open = new Map<Socket, { answering: boolean }>()
  const admit = (socket: Socket): void => {
    if (open.size >= MAX_CONNECTIONS) {
      const idle = [...open].find(([, s]) => !s.answering)?.[0]
      if (idle === undefined) { socket.destroy(); return }
      open.delete(idle)
      idle.destroy()
    }
    open.set(socket, { answering: false })
    socket.once('close', () => open.delete(socket))
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const state = open.get(req.socket)
    if (state !== undefined) {
      state.answering = true
      res.once('close', () => { state.answering = false })
    }
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics' && path !== '/healthz' && path !== '/readyz') { reply(res, 404, TEXT, 'not found: try /metrics, /healthz or /readyz\n'); return }
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.setHeader('Allow', 'GET, HEAD'); reply(res, 405, TEXT, `${path} takes GET\n`); return }
    if (path === '/healthz') { reply(res, 200, TEXT, 'ok\n'); return }
    if (path === '/readyz') {
      const r = d.readiness()
      reply(res, r.ready ? 200 : 503, TEXT, r.ready ? 'ready\n' : `not ready: ${r.reason}\n`)
      return
    }
    render().then(text => reply(res, 200, d.registry.contentType, text), (err: unknown) => {
      d.logger.error(`--metrics-address: /metrics failed: ${(err as Error).message}`)
      reply(res, 500, TEXT, 'internal error; see the log\n')
    })
  }

  const server = createServer({ requestTimeout: 10_000, headersTimeout: 10_000 }, handle)
  server.on('connection', admit)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(bindError(err, where)))
    server.listen({ host: where.host, port: where.port }, resolve)
  })
  return {
    server,
    url: boundHttpUrl(server),
    close: () => new Promise(resolve => { server.close(() => resolve()); server.closeAllConnections() })
  }
}

function bindError (err: NodeJS.ErrnoException, where: { host: string, port: number }): FerryError {
  const at = `${where.host.includes(':') ? `[${where.host}]` : where.host}:${where.port}`
  if (err.code === 'EADDRINUSE') return new FerryError('E_PORT_IN_USE', `--metrics-address ${at} is already in use: stop what is listening there, or pass another port`)
  if (err.code === 'EACCES') return new FerryError('E_LISTEN_FAILED', `no permission to listen on --metrics-address ${at}: use a port above 1023 or run as root`)
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new FerryError('E_LISTEN_FAILED', `--metrics-address ${at}: that address is not on this machine; give one of its interfaces' addresses`)
  return new FerryError('E_LISTEN_FAILED', `could not listen on --metrics-address ${at}: ${err.message}`)
}
