// What the core tells its watchdog, and what the watchdog tells whoever started it (the CLI in the foreground, or
// the launching CLI of a daemon). One vocabulary for both, so the banner and progress render the same either way.
import type { FerryOptions } from '../config/options.js'
import type { OptionSource, RawValues } from '../config/resolve.js'

export interface CoreConfig {
  /** `ferry start APP_DIR`: the app served when the --config file lists none. Absent for `ferry fly`. */
  readonly appDir?: string | undefined
  /** Absolute path of the --config file; the core re-reads it on reload. */
  readonly configFile?: string | undefined
  /** The raw flag values, so the core resolves each app's options exactly as the CLI did, now and on reload. */
  readonly flags: RawValues
  /** The instance-wide options (flags, environment, the config file's top level). */
  readonly options: FerryOptions
  readonly sources: Readonly<Record<string, OptionSource>>
  /** The instance directory the watchdog made (admin socket, passwords); absent when it could not be made. */
  readonly instanceDir?: string
  /** The core's private directory (app sockets), made and removed by the watchdog for each core it starts. */
  readonly socketDir?: string
  /** The watchdog keeps the front's listening socket (see kept-listener.ts): take it rather than bind. */
  readonly keptListener?: boolean
}

export type StartEvent =
  /** `appRoot`: the one app's root, or a summary such as "3 apps"; `minInstances`: all apps together. */
  | { readonly type: 'listening', readonly url: string, readonly corePid: number, readonly appRoot: string, readonly minInstances: number }
  /** Follows the first `listening`; `name` is missing when the registry could not be written. */
  | { readonly type: 'registered', readonly name?: string }
  | { readonly type: 'spawning', readonly appRoot: string }
  | { readonly type: 'spawned', readonly pid: number }
  | { readonly type: 'spawn-failed', readonly message: string }
  | { readonly type: 'error', readonly code: string, readonly message: string }

/** Whether an IPC message is an object whose `type` is `type`: how each side recognises the messages meant for it. */
export function hasType (m: unknown, type: string): boolean {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type
}

export function isStartEvent (m: unknown): m is StartEvent {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string'
}

/**
 * Decides when start-up is over, whatever order the events arrive in (a fast app can be ready before the core
 * listens): the instance is registered and, when processes are pre-started, the first one is ready or failed.
 * How many are pre-started comes from the core's `listening` event (all apps together): the launcher's own count
 * can be wrong, e.g. `ferry fly` without --config serves no app until a request names one.
 */
export class StartupTracker {
  #registered = false
  #firstSpawnSettled = false
  #reported = false
  #minInstances = 0

  /** True exactly once: when this event completes start-up. */
  complete (e: StartEvent): boolean {
    if (e.type === 'listening') this.#minInstances = e.minInstances
    if (e.type === 'registered') this.#registered = true
    if (e.type === 'spawned' || e.type === 'spawn-failed') this.#firstSpawnSettled = true
    if (this.#reported || !this.#registered || (this.#minInstances > 0 && !this.#firstSpawnSettled)) return false
    this.#reported = true
    return true
  }
}
