// A scripted loader for the pool's unit tests: the loader is the pool's edge, so a stand-in for it is fair there.
// Each spawn follows the plan ('ok' or 'fail'); processes can be told to die, and answer out-of-band work requests
// as the test decides. Real processes are exercised by the integration tests.
import { FerryError } from '../../src/core/errors.js'
import { Pool } from '../../src/core/pool/pool.js'
import type { AppSpec, ExitInfo, Loader, SpawnedProcess, SpawnHooks } from '../../src/core/spawn/loader.js'

export interface Scripted extends SpawnedProcess {
  die (): void
  killed: boolean
  /** Out-of-band work requests received, each resolved by calling it with the outcome. */
  readonly oobCalls: Array<(done: boolean) => void>
  readonly hooks: SpawnHooks | undefined
}

export type ScriptedLoader = Loader & { spawned: Scripted[], attempts: number }

export function scriptedLoader (plan: Array<'ok' | 'fail'>, o: { oob?: boolean } = {}): ScriptedLoader {
  let nextPid = 1000
  const loader: ScriptedLoader = {
    type: 'node' as const,
    spawned: [] as Scripted[],
    attempts: 0,
    async spawn (_app, hooks): Promise<SpawnedProcess> {
      loader.attempts++
      const step = plan.shift() ?? 'ok'
      if (step === 'fail') throw new FerryError('E_SPAWN_EXITED', 'scripted failure')
      let settle!: (i: ExitInfo) => void
      const exited = new Promise<ExitInfo>(resolve => { settle = resolve })
      const oobCalls: Array<(done: boolean) => void> = []
      const proc: Scripted = {
        pid: nextPid++,
        target: { kind: 'unix', socketPath: '/nonexistent' },
        concurrency: 0,
        command: 'scripted',
        exited,
        killed: false,
        oobCalls,
        hooks,
        stop: async () => { settle({ code: 0, signal: null, forced: false }); return await exited },
        kill: () => { proc.killed = true; settle({ code: null, signal: 'SIGKILL', forced: true }) },
        die: () => settle({ code: null, signal: 'SIGKILL', forced: false }),
        ...(o.oob === true ? { oobWork: async () => await new Promise<boolean>(resolve => oobCalls.push(resolve)) } : {})
      }
      loader.spawned.push(proc)
      return proc
    }
  }
  return loader
}

export function poolWith (loader: Loader, maxPoolSize = 6): Pool {
  return new Pool({ maxPoolSize, loaders: { node: loader, generic: loader, python: loader, ruby: loader } })
}

export const tick = (ms = 5): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** The app and the plain group settings the pool's unit tests start from. */
export const app: AppSpec = { root: '/app', type: 'node', environment: 'production', env: {}, startTimeoutMs: 1000, socketDir: '/tmp' }
export const settings = { minInstances: 1, maxInstances: 0, maxQueue: 10, idleTimeMs: 0, concurrency: 0 }
