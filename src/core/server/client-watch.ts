// Responses waiting on their client's connection: until it drains (their bytes are counted against the response
// buffer budget), or for as long as it is open (a response node's server queued behind another). One 'drain' and
// one 'close' listener per connection however many responses wait on it: node's server runs pipelined requests at
// once, and a listener each would pile up on the socket (and warn of a leak past ten).
import type { ClientSocket } from './exchange-types.js'

export interface ClientWatcher {
  /** Everything written on the connection has gone to the kernel. Called once per untilDrained(). */
  clientDrained? (): void
  /** The connection is gone. Called once, whichever way the watcher waited. */
  clientClosed (): void
}

class Watch {
  readonly untilDrained = new Set<ClientWatcher>()
  readonly whileOpen = new Set<ClientWatcher>()

  constructor (socket: ClientSocket) {
    socket.on('drain', () => {
      if (this.untilDrained.size === 0) return
      const drained = [...this.untilDrained]
      this.untilDrained.clear()
      for (const w of drained) w.clientDrained?.()
    })
    socket.on('close', () => {
      watches.delete(socket)
      const gone = [...this.untilDrained, ...this.whileOpen]
      this.untilDrained.clear()
      this.whileOpen.clear()
      for (const w of gone) w.clientClosed()
    })
  }
}

const watches = new WeakMap<ClientSocket, Watch>()

function watchOf (socket: ClientSocket): Watch {
  let watch = watches.get(socket)
  if (watch === undefined) {
    watch = new Watch(socket)
    watches.set(socket, watch)
  }
  return watch
}

/** Tells `w` when the connection drains or closes. The socket must not be destroyed already (it may never close). */
export function untilDrained (socket: ClientSocket, w: ClientWatcher): void { watchOf(socket).untilDrained.add(w) }

/** Tells `w` when the connection closes. The socket must not be destroyed already. */
export function whileOpen (socket: ClientSocket, w: ClientWatcher): void { watchOf(socket).whileOpen.add(w) }

export function forget (socket: ClientSocket, w: ClientWatcher): void {
  const watch = watches.get(socket)
  watch?.untilDrained.delete(w)
  watch?.whileOpen.delete(w)
}
