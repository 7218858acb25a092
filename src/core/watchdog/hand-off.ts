// The daemon's side of `ferry start --daemonize`: start events go to the launching CLI over IPC until start-up is
// over, then the daemon itself says `started` and closes the channel. The daemon ends the hand-off, not the CLI:
// a CLI that disconnects while messages are still queued on its side crashes inside node (kPendingMessages), and a
// daemon that writes to a channel the CLI already closed dies of EPIPE. Every send here has a callback, so a failed
// write is dropped instead of becoming an unhandled 'error' event on the process.
import { StartupTracker, hasType, type StartEvent } from './messages.js'

/** The last message of a hand-off: start-up is over and the daemon is closing the channel. */
export interface StartedMessage { readonly type: 'started' }

export function isStartedMessage (m: unknown): m is StartedMessage {
  return hasType(m, 'started')
}

export interface HandOff {
  /** Forwards a start event while the launcher listens; closes the channel once start-up is over. */
  readonly report: (e: StartEvent) => void
  /** Resolves when every message sent so far was written (or failed), at most after `timeoutMs`. */
  readonly flush: (timeoutMs: number) => Promise<void>
}

export function createHandOff (proc: NodeJS.Process = process): HandOff {
  const tracker = new StartupTracker()
  let open = proc.connected
  let pending = 0
  let drained: (() => void) | undefined
  proc.once('disconnect', () => { open = false })
  // A channel error without a callback to take it would kill the daemon; with callbacks there should be none.
  proc.on('error', () => { open = false })

  const sent = (): void => {
    if (--pending === 0) drained?.()
  }
  const send = (m: StartEvent | StartedMessage, then?: () => void): void => {
    if (!open || proc.send === undefined) return
    pending++
    proc.send(m, undefined, undefined, err => {
      sent()
      if (err !== null && err !== undefined) open = false
      else then?.()
    })
  }

  return {
    report: e => {
      send(e)
      if (!tracker.complete(e)) return
      send({ type: 'started' }, () => {
        if (!open) return
        open = false
        proc.disconnect?.()
      })
    },
    flush: async timeoutMs => {
      if (pending === 0) return
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, timeoutMs)
        timer.unref()
        drained = () => { clearTimeout(timer); resolve() }
      })
    }
  }
}
