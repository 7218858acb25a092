// Waits for a started process to become ready, racing four outcomes under one AbortController: ready, early exit,
// the start timeout and cancellation. The first outcome wins; aborting the controller afterwards clears every
// timer and listener the others left. Any outcome but "ready" kills the process and rejects with a SpawnError.
import { setTimeout as delay } from 'node:timers/promises'
import type { AppSpec, ExitInfo, SpawnFailureReason } from './loader.js'
import type { Child } from './child.js'
import { exitedMessage, spawnFailure } from './failure.js'
import type { SpawnError } from './spawn-error.js'

/** SIGTERM grace for a process that failed to start: it serves no one yet, so it gets little time. */
const FAILED_STOP_GRACE_MS = 1_000

export interface ReadyOptions {
  readonly child: Child
  readonly app: AppSpec
  /** Resolves once the process accepts HTTP; stops waiting (and may reject) when the signal aborts. */
  readonly waitReady: (signal: AbortSignal) => Promise<void>
  /** How a start timeout is reported: a reason that maps to E_SPAWN_TIMEOUT and an actionable message. */
  readonly timeout: { readonly reason: Extract<SpawnFailureReason, 'timeout' | 'never-listened'>, readonly message: string }
  /** Aborts the start-up (the process is killed). */
  readonly signal?: AbortSignal | undefined
}

type Outcome =
  | { readonly kind: 'ready' }
  | { readonly kind: 'exited', readonly exit: ExitInfo }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed', readonly error: unknown }

/** Resolves when the child is ready; otherwise kills it, waits for its exit and rejects with a SpawnError. */
export async function awaitReady (opts: ReadyOptions): Promise<void> {
  const outcome = await raceStart(opts)
  if (outcome.kind === 'ready') return
  const exit = await opts.child.stop(FAILED_STOP_GRACE_MS)
  throw failureOf(opts, outcome, exit)
}

async function raceStart (opts: ReadyOptions): Promise<Outcome> {
  const ac = new AbortController()
  try {
    return await Promise.race<Outcome>([
      opts.waitReady(ac.signal).then(() => ({ kind: 'ready' })),
      opts.child.exited.then(exit => ({ kind: 'exited', exit })),
      delay<Outcome>(opts.app.startTimeoutMs, { kind: 'timeout' }, { signal: ac.signal }),
      whenCancelled(opts.signal, ac.signal)
    ])
  } catch (error) {
    return { kind: 'failed', error }
  } finally {
    ac.abort()
  }
}

/** Settles when the caller cancels; the listener goes away with `until` (no AbortSignal.any: the caller's signal
 * may live as long as the pool, and every spawn would leave a follower on it). */
function whenCancelled (signal: AbortSignal | undefined, until: AbortSignal): Promise<Outcome> {
  return new Promise(resolve => {
    if (signal === undefined) return
    if (signal.aborted) { resolve({ kind: 'cancelled' }); return }
    signal.addEventListener('abort', () => resolve({ kind: 'cancelled' }), { once: true, signal: until })
  })
}

function failureOf (opts: ReadyOptions, outcome: Exclude<Outcome, { kind: 'ready' }>, exit: ExitInfo): SpawnError {
  const { child, app } = opts
  const facts = { app, command: child.command, pid: child.pid, exit, output: child.output() }
  switch (outcome.kind) {
    case 'exited':
      return spawnFailure(exitedMessage(app, outcome.exit), { ...facts, reason: 'exited' })
    case 'timeout':
      return spawnFailure(opts.timeout.message, { ...facts, reason: opts.timeout.reason })
    case 'cancelled':
      return spawnFailure(`Start-up of an app process for ${app.root} was cancelled`, { ...facts, reason: 'failed' },
        opts.signal?.reason)
    case 'failed':
      return spawnFailure(`App process for ${app.root} failed while starting: ${String(outcome.error)}`,
        { ...facts, reason: 'failed' }, outcome.error)
  }
}
