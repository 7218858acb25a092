// Per-app counts of pool events that the pool itself does not keep: spawns, spawn failures, restarts and
// processes that died unexpectedly. Counted from the pool's events (rare events, never per request); only
// created with --metrics-address.
import type { PoolEvents } from '../pool/events.js'

export interface AppEventCounts {
  spawns: number
  spawnFailures: number
  /** Restarts of the app asked for: restart.txt, `ferry restart-app`, a reload that changed it. */
  restarts: number
  /** Processes that exited while they were meant to be serving (crashes, kills from outside). */
  unexpectedExits: number
}

export class PoolCounters {
  /** Keyed by app (group name); an app removed and served again goes on counting. */
  readonly apps = new Map<string, AppEventCounts>()

  constructor (events: PoolEvents) {
    events.on('spawned', g => { this.#app(g.name).spawns++ })
    events.on('spawnFailed', g => { this.#app(g.name).spawnFailures++ })
    events.on('restart', g => { this.#app(g.name).restarts++ })
    events.on('exited', (g, _p, _info, unexpected) => { if (unexpected) this.#app(g.name).unexpectedExits++ })
  }

  #app (name: string): AppEventCounts {
    let c = this.apps.get(name)
    if (c === undefined) { c = { spawns: 0, spawnFailures: 0, restarts: 0, unexpectedExits: 0 }; this.apps.set(name, c) }
    return c
  }
}
