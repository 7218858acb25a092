// The channel between the core and an app process it loaded itself (Node, Python, Ruby): Node's IPC channel, which
// child_process opens as fd 3 and names in $NODE_CHANNEL_FD. Node apps use it through process.send(); the Python and
// Ruby loaders read and write it directly, as newline-delimited JSON (Node's "json" serialization), so every loader
// speaks one protocol: "ferry:ready" once the socket accepts, "ferry:oob-work"/"ferry:oob-done" for out-of-band
// work, "ferry:load" for load reports. Closing the channel tells the app to finish its requests and exit.
import type { ChildProcess } from 'node:child_process'
import { on } from 'node:events'
import type { OobResult } from './loader.js'

const READY_MESSAGE = 'ferry:ready'
/** A process's periodic report of its event-loop utilization. */
export const LOAD_MESSAGE = 'ferry:load'
const OOB_WORK_MESSAGE = 'ferry:oob-work'
const OOB_DONE_MESSAGE = 'ferry:oob-done'

let oobRequests = 0

/**
 * Sends the out-of-band work request and waits for the matching "done" (false on timeout or a closed channel;
 * 'skipped' when the process says it called the work off).
 */
export function askOobWork (proc: ChildProcess, timeoutMs: number): Promise<OobResult> {
  if (!proc.connected) return Promise.resolve(false)
  const id = ++oobRequests
  return new Promise(resolve => {
    const finish = (ok: OobResult): void => {
      clearTimeout(timer)
      proc.off('message', onMessage)
      proc.off('disconnect', onGone)
      resolve(ok)
    }
    const onMessage = (m: unknown): void => { if (isMessage(m, OOB_DONE_MESSAGE) && m.id === id) finish(m.skipped === true ? 'skipped' : true) }
    const onGone = (): void => finish(false)
    const timer = setTimeout(() => finish(false), timeoutMs)
    proc.on('message', onMessage)
    proc.once('disconnect', onGone)
    proc.send({ type: OOB_WORK_MESSAGE, id }, err => { if (err != null) finish(false) })
  })
}

export function isMessage (m: unknown, type: string): m is Record<string, unknown> {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type
}

/** Resolves when the process reports that it accepts HTTP on our socket. */
export async function readyMessage (proc: ChildProcess, socketPath: string, signal: AbortSignal): Promise<void> {
  for await (const [message] of on(proc, 'message', { signal })) {
    if (isMessage(message, READY_MESSAGE) && message.socketPath === socketPath) return
  }
}

/** Closing the IPC channel tells the process to finish and exit, even if the app handles SIGTERM. */
export function closeChannel (proc: ChildProcess): void {
  if (proc.connected) proc.disconnect()
}
