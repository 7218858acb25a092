// What the core tells its watchdog, and what the watchdog tells whoever started it (the CLI in the foreground, or
// the launching CLI of a daemon). One vocabulary for both, so the banner and progress render the same either way.
import type { FerryOptions } from '../config/options.js'
import type { OptionSource } from '../config/resolve.js'

export interface CoreConfig {
  readonly appDir: string
  readonly options: FerryOptions
  readonly sources: Readonly<Record<string, OptionSource>>
}

export type StartEvent =
  | { readonly type: 'listening', readonly url: string, readonly corePid: number, readonly appRoot: string, readonly minInstances: number }
  | { readonly type: 'spawning', readonly appRoot: string }
  | { readonly type: 'spawned', readonly pid: number }
  | { readonly type: 'spawn-failed', readonly message: string }
  | { readonly type: 'error', readonly code: string, readonly message: string }

export function isStartEvent (m: unknown): m is StartEvent {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string'
}
