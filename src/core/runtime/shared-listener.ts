// --bypass: the instance's listening socket is handed to the app's processes, which accept on it; the core must
// not accept on it too, or it would keep a share of the clients it no longer serves. A socket node polls cannot be
// paused, but one it only holds is never polled: so the core binds as usual (same errors, same backlog), hands its
// watchdog a copy (kept-listener.ts: the watchdog never accepts either), takes a copy back as a raw handle it only
// holds, and closes the server it bound. The socket stays open and listening (the kernel queues clients in the
// backlog while no process accepts, during a blocking restart or a crash); each app process gets a copy.
import { createServer, type Server } from 'node:net'
import type { Server as HttpServer } from 'node:http'
import type { UpstreamTarget } from '../spawn/loader.js'
import { listenFront } from './listen.js'
import { isListenerMessage } from '../watchdog/kept-listener.js'

export interface SharedSocket {
  readonly url: string
  readonly handle: object
  readonly target: UpstreamTarget
}

interface TcpHandle { getsockname?: (out: Record<string, unknown>) => number }

/** Binds (or, after a core restart, takes back from the watchdog) the socket, and returns a handle nobody polls here. */
export async function openSharedSocket (o: { readonly port: number, readonly address: string }, kept: boolean): Promise<SharedSocket> {
  if (kept) return describe(await askWatchdog())
  const server: Server = createServer()
  await listenFront(server as unknown as HttpServer, { port: o.port, address: o.address })
  const handle = (server as unknown as { _handle: object })._handle
  // The watchdog's copy first (the send callback says it left), then ours back; only then the polled one closes.
  await new Promise<void>(resolve => process.send?.({ type: 'listener' }, handle as never, { keepOpen: true }, () => resolve()) ?? resolve())
  const held = await askWatchdog()
  await new Promise<void>(resolve => server.close(() => resolve()))
  return describe(held)
}

function askWatchdog (): Promise<object> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown, h: unknown): void => {
      if (!isListenerMessage(m) || h === undefined || h === null) return
      process.off('message', onMessage)
      resolve(h)
    }
    if (process.send === undefined) { reject(new Error('--bypass needs the watchdog to hold the listening socket')); return }
    process.on('message', onMessage)
    process.send({ type: 'want-listener' }, undefined, {}, () => {})
  })
}

function describe (handle: object): SharedSocket {
  const out: Record<string, unknown> = {}
  ;(handle as TcpHandle).getsockname?.(out)
  const host = typeof out.address === 'string' ? out.address : '0.0.0.0'
  const port = typeof out.port === 'number' ? out.port : 0
  const shown = out.family === 'IPv6' ? `[${host}]` : host
  return { url: `http://${shown}:${port}`, handle, target: { kind: 'tcp', host, port } }
}
