// Keeps an app's IPC channel from taking the core down. Node parses what a child writes on its channel inside a
// libuv callback: a line that is not JSON throws there, which is an uncaught exception in the core (every app of
// the instance goes down with it), and a line that never ends is buffered without limit. The app's code can write
// anything on fd 3 (Python and Ruby apps run in the same process as the loader that speaks the protocol), so the
// channel's read callback is wrapped: a bad line, or a line longer than any message of the protocol, kills the
// process that sent it and the core goes on.
import type { ChildProcess } from 'node:child_process'

/** Far longer than any message of the protocol (ready, load, oob-done are well under 1 KiB), so that a Node app
 * that process.send()s big messages of its own (which the core ignores) is not killed for it; still a bound. */
const MAX_CHANNEL_LINE = 8 * 1024 * 1024

interface ChannelHandle { onread?: (...args: unknown[]) => unknown, [key: symbol]: unknown }

/** Wraps the channel of `proc`; `onViolation` is told why once, and should kill the process. */
export function guardChannel (proc: ChildProcess, onViolation: (why: string) => void): void {
  // `proc.channel` is a wrapper (ref/unref); the pipe whose onread Node calls is kept under the kChannelHandle symbol.
  const key = Object.getOwnPropertySymbols(proc).find(s => s.description === 'kChannelHandle')
  const channel = key === undefined ? undefined : (proc as unknown as Record<symbol, ChannelHandle | undefined>)[key]
  const read = channel?.onread
  if (channel === undefined || typeof read !== 'function') return
  // Node keeps the unfinished line in a symbol-keyed string (json serialization); found by its description, since
  // Node does not export it. Where a Node version keeps it otherwise, only the exception guard applies.
  const pending = Object.getOwnPropertySymbols(channel).find(s => s.description === 'kJSONBuffer')
  let violated = false
  const violate = (why: string): void => {
    if (pending !== undefined) channel[pending] = ''
    if (violated) return
    violated = true
    onViolation(why)
  }
  channel.onread = function (this: unknown, ...args: unknown[]): unknown {
    // After a bad line, data is dropped (the process is being killed); the end of the channel (no buffer) is still
    // handled by Node, which closes it.
    if (violated && args[0] !== undefined) return undefined
    try {
      const result = read.apply(this, args)
      const rest = pending === undefined ? undefined : channel[pending]
      if (typeof rest === 'string' && rest.length > MAX_CHANNEL_LINE) violate(`a message longer than ${MAX_CHANNEL_LINE} bytes`)
      return result
    } catch (err) {
      violate(`a message that is not JSON (${err instanceof Error ? err.message : String(err)})`)
      return undefined
    }
  }
}
