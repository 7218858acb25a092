// The front's listening socket outlives any one core. The first core binds it as usual and hands a copy to its
// watchdog; a core started after a crash asks the watchdog for that copy instead of binding. The watchdog never
// accepts on its copy (a raw handle, not a server), it only keeps the socket open, so while no core runs the kernel
// keeps queueing clients in the backlog (2048) rather than refusing them, and the next core serves them.
import type { ChildProcess } from 'node:child_process'
import type { Server } from 'node:net'
import { boundHttpUrl } from '../bound-url.js'
import { hasType } from './messages.js'

/** A libuv TCP or Pipe handle as node passes it between processes ('net.Native'); opaque here. */
export interface RawListener { close: (cb?: () => void) => void }

interface ListenerMessage { readonly type: 'listener' }
const LISTENER: ListenerMessage = { type: 'listener' }

export function isListenerMessage (m: unknown): m is ListenerMessage {
  return hasType(m, 'listener')
}
export function isListenerRequest (m: unknown): boolean {
  return hasType(m, 'want-listener')
}

/** Core: gives the watchdog a copy of the socket this core just bound. */
export function handOverListener (server: Server): void {
  const handle = (server as unknown as { _handle?: object })._handle
  if (handle === undefined || process.send === undefined || !process.connected) return
  process.send(LISTENER, handle as never, { keepOpen: true }, () => {})
}

/** Core: listens on the socket the watchdog kept (asked for over IPC, so it cannot arrive before we listen for it). */
export async function listenOnKeptSocket (server: Server, socketPath: string | undefined): Promise<string> {
  const handle = await new Promise<object>((resolve, reject) => {
    const onMessage = (m: unknown, h: unknown): void => {
      if (!isListenerMessage(m) || h === undefined || h === null) return
      process.off('message', onMessage)
      resolve(h)
    }
    process.on('message', onMessage)
    if (process.send === undefined) { reject(new Error('no watchdog to take the listening socket from')); return }
    process.send({ type: 'want-listener' }, undefined, {}, () => {})
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(handle as never, () => { server.off('error', reject); resolve() })
  })
  if (socketPath !== undefined) return `unix:${socketPath}`
  return boundHttpUrl(server)
}

/** Watchdog: sends its copy to a core that asks. */
export function sendListener (child: ChildProcess, listener: RawListener): void {
  if (child.connected) child.send(LISTENER, listener as never, { keepOpen: true }, () => {})
}
