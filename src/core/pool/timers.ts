// The timers a group sets (back-off retry, idle reaper, memory check, tunnel drains), injected with its clock so
// that unit tests move time themselves (test/helpers/fake-clock.ts) instead of waiting for it.

/** Whatever setTimeout/setInterval returned; only ever handed back to clear(). */
export type TimerHandle = object

export interface Timers {
  setTimeout (fn: () => void, ms: number): TimerHandle
  setInterval (fn: () => void, ms: number): TimerHandle
  /** Cancels a timeout or an interval; undefined is ignored. */
  clear (handle: TimerHandle | undefined): void
}

/** Node's timers, unref'd: a group's timers never keep the core alive on their own. */
export const nodeTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  // clearTimeout clears intervals too: Node's two kinds of timer share one handle type.
  clear: handle => { if (handle !== undefined) clearTimeout(handle as NodeJS.Timeout) }
}
