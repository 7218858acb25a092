import { request } from 'undici'
import { connect, createServer } from 'node:net'

export interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: string }

/** One request over a fresh connection; the body is read whole (tests keep bodies small). */
export async function get (url: string, init: { method?: string, headers?: Record<string, string>, body?: string, signal?: AbortSignal } = {}): Promise<Reply> {
  const res = await request(url, { method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body, reset: true, signal: init.signal })
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

export async function getJson<T = Record<string, unknown>> (url: string): Promise<T> {
  const r = await get(url)
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.body}`)
  return JSON.parse(r.body) as T
}

/**
 * Writes raw bytes on a new connection and resolves everything the server sent until it closed. Several payloads
 * are sent one by one, each after the server has answered the one before (as a keep-alive client would).
 */
export function rawExchange (url: string, payload: string | readonly string[], endAfterMs = 1500): Promise<string> {
  const parts = typeof payload === 'string' ? [payload] : [...payload]
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname)
    let out = ''
    s.setEncoding('latin1')
    s.on('data', d => {
      out += d
      const next = parts.shift()
      if (next !== undefined) s.write(next)
    })
    s.on('error', reject)
    s.on('close', () => resolve(out))
    s.on('connect', () => s.write(parts.shift()!))
    setTimeout(() => s.destroy(), endAfterMs).unref()
  })
}

/**
 * A loopback port nobody listens on now, for the few tests whose peer must know the port before Ferry binds it
 * (clients knocking first, a config file naming it): everything else listens on port 0.
 */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
    s.once('error', reject)
  })
}
