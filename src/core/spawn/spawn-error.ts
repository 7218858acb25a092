import { FerryError } from '../errors.js'
import type { SpawnFailure } from './loader.js'

const CODES = { exited: 'E_SPAWN_EXITED', timeout: 'E_SPAWN_TIMEOUT', 'never-listened': 'E_SPAWN_TIMEOUT', failed: 'E_SPAWN_FAILED' } as const

/** A FerryError that carries the facts of a failed spawn (command, output, exit status). */
export class SpawnError extends FerryError {
  readonly failure: SpawnFailure

  constructor (message: string, failure: SpawnFailure, options?: { cause?: unknown }) {
    super(CODES[failure.reason], message, options)
    this.failure = failure
  }
}

export function isSpawnError (err: unknown): err is SpawnError {
  return err instanceof FerryError && 'failure' in err
}
