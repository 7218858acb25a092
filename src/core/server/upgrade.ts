// WebSocket and other Upgrade requests: after the handshake the connection is a plain byte pipe, so it is passed
// through at the socket level rather than through the HTTP proxy.
import { connect, type Socket } from 'node:net'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { UpstreamTarget } from '../spawn/loader.js'

export function pipeUpgrade (req: IncomingMessage, client: Duplex, head: Buffer, target: UpstreamTarget, done: () => void): void {
  const app: Socket = target.kind === 'unix' ? connect(target.socketPath) : connect(target.port, target.host)
  let connected = false
  let finished = false
  const finish = (): void => {
    if (finished) return
    finished = true
    app.destroy()
    // The app could not be reached: the client still gets an answer rather than a silently closed connection.
    if (!connected && client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    else client.destroy()
    done()
  }
  app.once('connect', () => {
    connected = true
    const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`]
    const raw = req.rawHeaders
    for (let i = 0; i < raw.length; i += 2) lines.push(`${raw[i]!}: ${raw[i + 1]!}`)
    if (req.socket.remoteAddress !== undefined) lines.push(`X-Forwarded-For: ${req.socket.remoteAddress}`)
    app.write(lines.join('\r\n') + '\r\n\r\n')
    if (head.length > 0) app.write(head)
    app.pipe(client)
    client.pipe(app)
  })
  app.once('error', finish)
  app.once('close', finish)
  client.once('error', finish)
  client.once('close', finish)
}
