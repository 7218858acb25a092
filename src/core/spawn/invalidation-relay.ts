// Invalidations between the processes of an app that accept their clients themselves (--bypass): each keeps a
// turbocache of its own, so what a write answered by one of them invalidated is reported to the core and passed on
// to the others (preload-bypass.cjs sends the reports; process-reports.ts picks who gets them). Bounded both ways:
// a report is checked before it is passed on, and the core never holds more than one message for a process.
import type { Invalidated } from './loader.js'

/** The part of a child process's IPC channel the relay uses. */
export interface Channel {
  readonly connected: boolean
  send (message: unknown, callback: (err: Error | null) => void): boolean
}

/**
 * Passes invalidations on to one process, one message at a time: while the channel has not taken the last one, what
 * comes meanwhile is not queued but turns into one `all` (the process drops its whole cache, which is always safe),
 * sent once the channel is free. So a process that reads slowly never makes the core hold more than one message for it.
 */
export function relayTo (proc: Channel): (what: Invalidated) => void {
  let sending = false
  let owed = false
  const send = (what: Invalidated): void => {
    if (!proc.connected) return
    sending = true
    proc.send({ type: 'ferry:cache-invalidate', ...what }, () => {
      sending = false
      if (owed) { owed = false; send({ all: true }) }
    })
  }
  return what => { if (sending) owed = true; else send(what) }
}

/**
 * At most this many URL keys in one report, each at most this long: a process gathers what its writes invalidated
 * for a few ms and sends `all` instead of more, or of a longer key (preload-bypass.cjs). A report outside these
 * bounds is not passed on: only a process that does not run Ferry's preload sends one.
 */
const MAX_INVALIDATED_KEYS = 32
const MAX_URL_KEY_LENGTH = 20 * 1024

export function invalidated (m: Record<string, unknown>): Invalidated | undefined {
  if (m.all === true) return { all: true }
  const v = m.keys
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_INVALIDATED_KEYS) return undefined
  for (const k of v) if (typeof k !== 'string' || k.length > MAX_URL_KEY_LENGTH) return undefined
  return { keys: v as string[] }
}
