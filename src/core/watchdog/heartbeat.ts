// Liveness of the core, seen from its watchdog: the core sends a heartbeat over its IPC channel every few seconds
// from its event loop; a core that stops sending (SIGSTOP, an endless loop, a deadlock in a native call) for
// --core-heartbeat-timeout is killed, and the watchdog restarts it as after a crash. The beat comes from the event
// loop on purpose: a core whose loop is stuck serves nobody, whatever else of it still runs.
import type { ChildProcess } from 'node:child_process'
import { hasType } from './messages.js'

interface HeartbeatMessage { readonly type: 'heartbeat' }
const BEAT: HeartbeatMessage = { type: 'heartbeat' }

export function isHeartbeat (m: unknown): boolean {
  return hasType(m, 'heartbeat')
}

/** A core that starts slowly (a loaded machine, a cold disk) is not hung: the first beat may take this long. */
export const FIRST_BEAT_ALLOWANCE_MS = 30_000

/** How often the core beats: a few beats per timeout, so one late beat is never taken for a hang. */
function beatIntervalMs (timeoutMs: number): number {
  return Math.min(5_000, Math.max(100, Math.floor(timeoutMs / 4)))
}

/** Core: beats at once (so the watchdog's start-up allowance ends as soon as it can), then until it exits. */
export function startBeating (timeoutMs: number): void {
  if (timeoutMs <= 0 || process.send === undefined) return
  const beat = (): void => {
    if (process.connected) process.send?.(BEAT, undefined, {}, () => {})
  }
  beat()
  setInterval(beat, beatIntervalMs(timeoutMs)).unref()
}

/**
 * Watchdog: calls `onHang` once when `child` has not beaten for `timeoutMs` (measured from its start until its
 * first beat, with FIRST_BEAT_ALLOWANCE_MS at least). Returns the function that stops watching.
 */
export function watchHeartbeat (child: ChildProcess, timeoutMs: number, onHang: (silentMs: number) => void): () => void {
  if (timeoutMs <= 0) return () => {}
  let last = Date.now()
  let beaten = false
  const onMessage = (m: unknown): void => {
    if (!isHeartbeat(m)) return
    last = Date.now()
    beaten = true
  }
  child.on('message', onMessage)
  const timer = setInterval(() => {
    const silent = Date.now() - last
    if (silent < (beaten ? timeoutMs : Math.max(timeoutMs, FIRST_BEAT_ALLOWANCE_MS))) return
    stop()
    onHang(silent)
  }, beatIntervalMs(timeoutMs))
  timer.unref()
  const stop = (): void => {
    clearInterval(timer)
    child.off('message', onMessage)
  }
  return stop
}
