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

/** Probes by user: "" for Ferry's own, "uid:gid" for an app run as another user. */
const probes = new Map<string, Promise<string | undefined>>()
let note: (message: string) => void = () => {}

/** Where to say, once per user and group, that chrt(1) cannot set SCHED_BATCH for them (the core's log). */
export function noteSchedulingFallbacks (to: (message: string) => void): void { note = to }

/**
 * The chrt(1) that can start a process under SCHED_BATCH here, as `as` (Ferry's own user when undefined), or
 * undefined (not Linux, no util-linux, refused). Probed as the user the app runs as: root may leave a policy an
 * unprivileged user may not (SCHED_IDLE inherited from a systemd unit's CPUSchedulingPolicy=idle, say), and an app
 * whose chrt fails would never start.
 */
export function batchScheduler (as?: { readonly uid: number, readonly gid: number }): Promise<string | undefined> {
  const key = as === undefined ? '' : `${as.uid}:${as.gid}`
  let probe = probes.get(key)
  if (probe === undefined) {
    probe = new Promise<string | undefined>(resolve => {
      const chrt = process.platform === 'linux' ? CHRT_PATHS.find(p => existsSync(p)) : undefined
      if (chrt === undefined) { resolve(undefined); return }
      const child = spawn(chrt, ['--batch', '0', '/bin/sh', '-c', ':'], { stdio: 'ignore', ...(as === undefined ? {} : { uid: as.uid, gid: as.gid }) })
      child.once('error', () => resolve(undefined))
      child.once('exit', code => resolve(code === 0 ? chrt : undefined))
    }).then(chrt => {
      if (chrt === undefined) note(`--app-scheduling batch: chrt(1) cannot set SCHED_BATCH ${as === undefined ? 'here' : `for uid ${as.uid} gid ${as.gid}`}, so ${as === undefined ? 'app processes' : 'its app processes'} run under the policy Ferry runs under`)
      return chrt
    })
    probes.set(key, probe)
  }
  return probe
}

/** How to start `file args` for this app: through chrt when it asks for batch scheduling and that works for its user. */
export async function scheduledCommand (app: AppSpec, file: string, args: readonly string[]): Promise<{ file: string, args: readonly string[] }> {
  const chrt = app.scheduling === 'batch' ? await batchScheduler(app.identity) : undefined
  return chrt === undefined ? { file, args } : { file: chrt, args: ['--batch', '0', file, ...args] }
}
