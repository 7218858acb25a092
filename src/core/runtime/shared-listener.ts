// --bypass: the instance's listening socket is handed to the app's processes, which accept on it; the core must
// not accept on it too, or it would keep a share of the clients it no longer serves. A socket node polls cannot be
// paused, but one it only holds is never polled: so the core binds as usual (same errors, same backlog), hands its
// watchdog a copy (kept-listener.ts: the watchdog never accepts either), closes the server it bound as soon as that
// copy has left, and takes a copy back as a raw handle it only holds. The socket stays open and listening (the kernel
// queues clients in the backlog while no process accepts, during a blocking restart or a crash); each app process
// gets a copy.
//
// The bound server is polled from listen() until it closes. A client it accepted in between used to be kept open by
// nobody, and server.close() waited for it: start-up hung with no log line while every later client queued in the
// backlog. Now such a client is reset at once (it sees the refusal it would have seen a moment earlier and may
// retry), the server closes without waiting for it, and the log says how many there were.
import { createServer, type Server } from 'node:net'
import type { Server as HttpServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { UpstreamTarget } from '../spawn/loader.js'
import { listenFront, takeKeptListener } from './listen.js'
import type { StartDeadline } from './start-deadline.js'

const NEEDS_WATCHDOG = '--bypass needs the watchdog to hold the listening socket'

export interface SharedSocket {
  readonly url: string
  readonly handle: object
  readonly target: UpstreamTarget
  /** Clients the core's own bound server accepted before it closed, and reset (0 nearly always). */
  readonly turnedAway: number
}

interface TcpHandle { getsockname?: (out: Record<string, unknown>) => number }

/**
 * Test hook (never set outside tests): milliseconds to wait between binding and handing the socket over, so a test
 * can connect while the core's own server is still polled, the window the start-up hang needed.
 */
const HANDOFF_DELAY_MS = Number(process.env.FERRY_TEST_HANDOFF_DELAY_MS ?? 0)

/** Binds (or, after a core restart, takes back from the watchdog) the socket, and returns a handle nobody polls here. */
export async function openSharedSocket (o: { readonly port: number, readonly address: string }, kept: boolean,
  deadline: StartDeadline): Promise<SharedSocket> {
  if (kept) return describe(await deadline.step('taking the listening socket from the watchdog (want-listener)', takeKeptListener(NEEDS_WATCHDOG)), 0)
  const server: Server = createServer()
  let turnedAway = 0
  server.on('connection', socket => { turnedAway++; socket.resetAndDestroy() })
  await deadline.step('binding the listening socket', listenFront(server as unknown as HttpServer, { port: o.port, address: o.address }))
  if (HANDOFF_DELAY_MS > 0) await sleep(HANDOFF_DELAY_MS)
  const handle = (server as unknown as { _handle: object })._handle
  // The watchdog's copy first: once the send callback says it left, the kernel holds the socket for the watchdog and
  // the polled copy can go (close() shuts the descriptor at once; its callback would wait for connections).
  await deadline.step('handing the listening socket to the watchdog', new Promise<void>((resolve, reject) => {
    if (process.send === undefined) { reject(new Error(NEEDS_WATCHDOG)); return }
    process.send({ type: 'listener' }, handle as never, { keepOpen: true }, err => { if (err == null) resolve(); else reject(err) })
  }))
  server.close()
  const held = await deadline.step('taking the listening socket back from the watchdog (want-listener)', takeKeptListener(NEEDS_WATCHDOG))
  return describe(held, turnedAway)
}

function describe (handle: object, turnedAway: number): SharedSocket {
  const out: Record<string, unknown> = {}
  ;(handle as TcpHandle).getsockname?.(out)
  const host = typeof out.address === 'string' ? out.address : '0.0.0.0'
  const port = typeof out.port === 'number' ? out.port : 0
  const shown = out.family === 'IPv6' ? `[${host}]` : host
  return { url: `http://${shown}:${port}`, handle, target: { kind: 'tcp', host, port }, turnedAway }
}
