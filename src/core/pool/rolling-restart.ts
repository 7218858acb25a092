// Rolling restarts and graceful replacement: old processes are replaced one at a time, a new one spawned and ready
// before an old one stops, so the app keeps serving. When the pool has no room for one more, one old process is
// retired ahead (the app briefly has one fewer) and its replacement spawned once it is gone. If a new process fails
// to start, the old ones stay. A blocking restart (restart()) retires them all at once instead.
import type { AppProcess } from './app-process.js'
import type { RecycleReason } from './event-map.js'

export interface RollingHost {
  readonly processes: readonly AppProcess[]
  halted (): boolean
  spawning (): number
  /** Whether the back-off defers a start now; if so, `fn` is called once it is over (the group's one retry timer). */
  backoffDefers (fn: () => void): boolean
  mayGrow (): boolean
  spawnOne (): void
  retire (p: AppProcess): void
  maybeSpawn (): void
  recycling (p: AppProcess, reason: RecycleReason): void
}

export class RollingRestart {
  /** Old processes yet to be replaced, oldest first. */
  #toReplace: AppProcess[] = []
  /** Old processes retired before their replacement was spawned (the pool had no room for one more). */
  #retiredAhead = 0
  /** The spawn in progress is a replacement. */
  #spawning = false
  readonly #h: RollingHost

  constructor (host: RollingHost) { this.#h = host }

  /** Still replacing old processes. */
  get active (): boolean { return this.#toReplace.length > 0 || this.#retiredAhead > 0 || this.#spawning }

  includes (p: AppProcess): boolean { return this.#toReplace.includes(p) }

  /**
   * Replaces the `old` processes. Blocking: all stop taking requests at once (they finish what they serve) and new
   * ones are spawned; requests wait meanwhile. Rolling: one at a time, as described above.
   */
  restart (method: 'blocking' | 'rolling', old: AppProcess[]): void {
    this.#toReplace = method === 'rolling' ? old : []
    if (method === 'rolling') { this.rollOn(); return }
    for (const p of old) this.#h.retire(p)
    this.#h.maybeSpawn()
  }

  /** A replacement failed to start: the old processes stay and serve. */
  failed (): void {
    this.#toReplace = []
    this.#spawning = false
  }

  /**
   * Replaces one process gracefully. When another process can take its requests it leaves rotation at once (and a
   * replacement is spawned if the group needs one); when it is the only one serving, a replacement is spawned first
   * and it keeps serving until that one is ready, so visitors never wait. Called again for a process already
   * waiting for its replacement, it leaves as soon as another process is ready.
   */
  replace (p: AppProcess, reason: RecycleReason): void {
    if (!p.live) return
    const waiting = this.#toReplace.includes(p)
    if (!waiting) this.#h.recycling(p, reason)
    const others = this.#h.processes.some(q => q !== p && q.state === 'ready' && !this.#toReplace.includes(q))
    if (others) {
      if (waiting) this.#toReplace.splice(this.#toReplace.indexOf(p), 1)
      this.#h.retire(p)
      this.#h.maybeSpawn()
      return
    }
    if (waiting) return
    this.#toReplace.push(p)
    this.rollOn()
  }

  /** Takes the next step: spawns a replacement, or retires one ahead when the pool is full. */
  rollOn (): void {
    const h = this.#h
    this.#toReplace = this.#toReplace.filter(p => p.live)
    if (h.halted() || (this.#toReplace.length === 0 && this.#retiredAhead === 0) || h.spawning() > 0) return
    if (h.backoffDefers(() => { this.rollOn(); h.maybeSpawn() })) return
    if (h.mayGrow()) { this.#spawning = true; h.spawnOne(); return }
    // No room for one more: retire one first (the app briefly has one process fewer) and spawn once it is gone.
    if (this.#retiredAhead > 0 || this.#toReplace.length === 0) return
    h.retire(this.#toReplace.shift()!)
    this.#retiredAhead++
  }

  /** A process was spawned: if it is a replacement, an old one goes (unless one went ahead), and the roll goes on. */
  spawned (): void {
    if (!this.#spawning) { this.rollOn(); return }
    this.#spawning = false
    this.#toReplace = this.#toReplace.filter(p => p.live)
    if (this.#retiredAhead > 0) this.#retiredAhead--
    else { const old = this.#toReplace.shift(); if (old !== undefined) this.#h.retire(old) }
    this.rollOn()
  }

  /** Pool room was given back (a process exited, or is kept only for its tunnels): one retired ahead may be replaced. */
  roomFreed (): void {
    if (this.#retiredAhead > 0 && !this.#spawning) this.rollOn()
  }
}
