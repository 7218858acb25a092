// The front's listening socket outlives any one core. The first core binds it as usual and hands a copy to its
// watchdog; a core started after a crash asks the watchdog for that copy instead of binding. The watchdog never
// accepts on its copy (a raw handle, not a server), it only keeps the socket open, so while no core runs the kernel
// keeps queueing clients in the backlog (2048) rather than refusing them, and the next core serves them.
// This file is the conversation and the watchdog's side of it; the core's side is in runtime/listen.ts.
import type { ChildProcess } from 'node:child_process'
import { hasType } from './messages.js'

/** A libuv TCP or Pipe handle as node passes it between processes ('net.Native'); opaque here. */
export interface RawListener { close: (cb?: () => void) => void }

interface ListenerMessage { readonly type: 'listener' }
export const LISTENER: ListenerMessage = { type: 'listener' }

export function isListenerMessage (m: unknown): m is ListenerMessage {
  return hasType(m, 'listener')
}
export function isListenerRequest (m: unknown): boolean {
  return hasType(m, 'want-listener')
}

/** Watchdog: sends its copy to a core that asks. */
export function sendListener (child: ChildProcess, listener: RawListener): void {
  if (child.connected) child.send(LISTENER, listener as never, { keepOpen: true }, () => {})
}
