// Builds the one error a failed spawn produces: an actionable one-line message plus the facts (command, cwd, pid,
// exit status, last output lines), so the log line and the development error page render the same thing.
import type { AppSpec, ExitInfo, SpawnFailureReason } from './loader.js'
import { SpawnError } from './spawn-error.js'

export interface FailureFacts {
  readonly reason: SpawnFailureReason
  readonly app: AppSpec
  readonly command: string
  readonly pid?: number
  readonly exit?: ExitInfo
  readonly output?: readonly string[]
}

export function spawnFailure (message: string, facts: FailureFacts, cause?: unknown): SpawnError {
  const failure = {
    reason: facts.reason,
    appRoot: facts.app.root,
    command: facts.command,
    cwd: facts.app.root,
    output: Object.freeze([...(facts.output ?? [])]),
    ...(facts.pid === undefined ? {} : { pid: facts.pid }),
    ...(facts.exit === undefined ? {} : { exitCode: facts.exit.code, signal: facts.exit.signal })
  }
  return new SpawnError(message, Object.freeze(failure), cause === undefined ? undefined : { cause })
}

/** "exited during start-up with code 1" / "was killed during start-up by SIGKILL". */
export function exitedMessage (app: AppSpec, exit: ExitInfo): string {
  const how = exit.signal !== null ? `was killed during start-up by ${exit.signal}` : `exited during start-up with code ${exit.code ?? '?'}`
  return `App process for ${app.root} ${how} (see its output in the log)`
}

/** "90 s", "1.5 s": the start timeout as a user set it (--start-timeout is in seconds). */
export function seconds (ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`
}

/** Rejects a spawn that was cancelled before the process was started. */
export function throwIfCancelled (app: AppSpec, command: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted !== true) return
  throw spawnFailure(`Start-up of an app process for ${app.root} was cancelled`, { reason: 'failed', app, command },
    signal.reason)
}
