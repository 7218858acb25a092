// Growth: when a group starts one more process, and whether it may. Pure; the group passes itself (it has the
// shape of GrowthState), so asking costs no allocation on the request path. It spawns one at a time: the process
// being spawned may be enough for what waits.
import type { AppProcess } from './app-process.js'

export interface GrowthState {
  /** Processes live or being spawned. */
  readonly capacity: number
  readonly minInstances: number
  /** Requests waiting for any process. */
  readonly queue: { readonly length: number }
  readonly spawning: number
  readonly processes: readonly AppProcess[]
  /** --saturation-elu; 0 = not used. */
  readonly saturationElu: number
}

/**
 * Whether the group wants one more process: below --min-instances, requests waiting with no spawn in progress, or
 * every ready process saturated: at its concurrency, or (Node processes take unlimited requests, so they are never
 * "full") serving with an event loop busy at least --saturation-elu of the time. Serving: requests in flight, or for
 * a process that accepts its clients itself (--bypass), answers that took most of its busy time (servedLately).
 */
export function wantsProcess (s: GrowthState): boolean {
  if (s.capacity < s.minInstances) return true
  if (s.queue.length > 0 && s.spawning === 0) return true
  const elu = s.saturationElu
  const ready = s.processes.filter(p => p.state === 'ready')
  return ready.length > 0 && ready.every(p => p.totallyBusy || (elu > 0 && (p.sessions > 0 || p.servedLately) && p.elu >= elu))
}

/** Whether the group may have one more: under its --max-instances (0 = none) and with room in the pool. */
export function mayGrow (capacity: number, maxInstances: number, poolHasRoom: () => boolean): boolean {
  return (maxInstances === 0 || capacity < maxInstances) && poolHasRoom()
}

/** A process's reported event-loop utilization makes it saturated (`threshold` 0: the rule is off). */
export function saturated (elu: number, threshold: number): boolean {
  return threshold > 0 && elu >= threshold
}

/** How often a process reports its event-loop utilization (preload.cjs, LOAD_REPORT_MS). */
const LOAD_REPORT_MS = 1000

/**
 * Whether answering requests took at least half of a process's busy time over one load report interval (`servedMs`:
 * the durations of the requests it answered then; `elu`: the share of the interval its event loop was busy).
 */
export function servedMostOfBusyTime (servedMs: number, elu: number): boolean {
  return servedMs > 0 && servedMs >= elu * LOAD_REPORT_MS / 2
}
