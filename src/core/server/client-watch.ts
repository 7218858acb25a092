// Responses waiting on their client's connection to drain (their bytes are counted against the response buffer
// budget meanwhile). One 'drain' and one 'close' listener per connection however many responses wait on it: a
// listener each would pile up on the socket (and warn of a leak past ten).
import type { ClientSocket } from './exchange-types.js'

export interface ClientWatcher {
  /** Everything written on the connection has gone to the kernel. Called once per untilDrained(). */
  clientDrained? (): void
  /** The connection is gone. Called once. */
  clientClosed (): void
}

class Watch {
  readonly untilDrained = new Set<ClientWatcher>()

  constructor (socket: ClientSocket) {
    socket.on('drain', () => {
      if (this.untilDrained.size === 0) return
      const drained = [...this.untilDrained]
      this.untilDrained.clear()
      for (const w of drained) w.clientDrained?.()
    })
    socket.on('close', () => {
      watches.delete(socket)
      const gone = [...this.untilDrained]
      this.untilDrained.clear()
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
