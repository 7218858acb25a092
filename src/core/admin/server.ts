// The admin HTTP API on a Unix socket in the instance directory (owner-only). Transport rules live here: basic
// auth (401, before anything else / 403), body limit (413), JSON bodies (422), unknown paths (404), wrong methods (405), and
// `Cache-Control: no-store` on every answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { chmodSync, rmSync } from 'node:fs'
import type { Logger } from '../log/logger.js'
import { authorize, type Passwords } from './auth.js'
import { ROUTES, type AdminContext, type Reply } from './routes.js'

const MAX_BODY_BYTES = 128 * 1024
const TYPES = { json: 'application/json', text: 'text/plain; charset=utf-8', xml: 'application/xml; charset=iso-8859-1' } as const

export interface AdminServer {
  readonly server: Server
  close (): Promise<void>
}

function send (res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { 'Content-Type': TYPES[reply.type], 'Content-Length': Buffer.byteLength(reply.body), 'Cache-Control': 'no-store' }
  if (reply.status === 401) headers['WWW-Authenticate'] = 'Basic realm="ferry"'
  res.writeHead(reply.status ?? 200, headers)
  res.end(reply.body)
}

const error = (status: number, message: string): Reply => ({ status, type: 'json', body: JSON.stringify({ status: 'error', message }) + '\n' })

function readBody (req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY_BYTES) { req.removeAllListeners('data'); req.resume(); resolve('too-large'); return }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

async function handle (req: IncomingMessage, ctx: AdminContext, passwords: Passwords): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://admin')
  // Credentials first: without them every path answers the same 401, so which endpoints exist is not discoverable.
  const access = authorize(req.headers.authorization, passwords)
  if (access === 'none') return error(401, 'authenticate as ro_admin or admin with the password in the instance directory')
  const route = ROUTES[url.pathname]
  if (route === undefined) return error(404, `no such endpoint: ${url.pathname}`)
  if (req.method !== route.method && !(route.method === 'GET' && req.method === 'HEAD')) return error(405, `${url.pathname} takes ${route.method}`)
  if (route.access === 'admin' && access !== 'admin') return error(403, `${url.pathname} needs the admin account`)
  let body: unknown
  if (route.method === 'POST') {
    const raw = await readBody(req)
    if (raw === 'too-large') return error(413, `request body over ${MAX_BODY_BYTES} bytes`)
    if (raw.length > 0) {
      try { body = JSON.parse(raw.toString('utf8')) } catch { return error(422, 'the request body is not valid JSON') }
    }
  }
  return await route.handle(ctx, url.searchParams, body, access)
}

export type AdminListen = { readonly path: string } | { readonly host: string, readonly port: number }

export async function startAdminServer (where: AdminListen, ctx: AdminContext, passwords: Passwords, logger: Logger): Promise<AdminServer> {
  const server = createServer((req, res) => {
    logger.info(`admin API: ${req.method ?? ''} ${req.url ?? ''}`)
    handle(req, ctx, passwords).then(reply => send(res, reply), (err: unknown) => {
      logger.error(`admin API ${req.url ?? ''}: ${(err as Error).message}`)
      send(res, error(500, 'internal error; see the log'))
    })
  })
  if ('path' in where) rmSync(where.path, { force: true })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    if ('path' in where) server.listen(where.path, () => resolve())
    else server.listen({ host: where.host, port: where.port }, () => resolve())
  })
  if ('path' in where) chmodSync(where.path, 0o600)
  return {
    server,
    close: () => new Promise(resolve => { server.close(() => resolve()); server.closeAllConnections() })
  }
}
