// App processes run under SCHED_BATCH by default (--app-scheduling batch): the same share of the CPU as any other
// process, but a wake-up (a request arriving from the core) does not preempt the task running on that CPU, which on a
// busy machine is usually the core itself, mid-way through a batch of I/O. Measured on a 2-vCPU machine where the
// core, two app processes and the load generator compete: ~20% more requests/s and a quarter lower median latency
// (README, Performance). Bypassed processes (--bypass) run under it too: there the process that woke one is a client
// on the same machine (a load generator, a front server), and under the normal policy each request's wake-up
// preempted it, so the two took turns a request at a time while the other CPU idled (perf sched, docs/bypass.md).
// Node cannot set a scheduling policy, so the app is started through chrt(1), which sets it
// and execs the app: same PID, and every thread the app starts inherits the policy.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { AppSpec } from './loader.js'

const CHRT_PATHS = ['/usr/bin/chrt', '/bin/chrt']

let probe: Promise<string | undefined> | undefined

/** The chrt(1) that can start a process under SCHED_BATCH here, or undefined (not Linux, no util-linux, refused). */
export function batchScheduler (): Promise<string | undefined> {
  probe ??= new Promise(resolve => {
    const chrt = process.platform === 'linux' ? CHRT_PATHS.find(p => existsSync(p)) : undefined
    if (chrt === undefined) { resolve(undefined); return }
    const child = spawn(chrt, ['--batch', '0', '/bin/sh', '-c', ':'], { stdio: 'ignore' })
    child.once('error', () => resolve(undefined))
    child.once('exit', code => resolve(code === 0 ? chrt : undefined))
  })
  return probe
}

/** How to start `file args` for this app: through chrt when it asks for batch scheduling and that works here. */
export async function scheduledCommand (app: AppSpec, file: string, args: readonly string[]): Promise<{ file: string, args: readonly string[] }> {
  const chrt = app.scheduling === 'batch' ? await batchScheduler() : undefined
  return chrt === undefined ? { file, args } : { file: chrt, args: ['--batch', '0', file, ...args] }
}
