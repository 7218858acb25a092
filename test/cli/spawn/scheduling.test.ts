// App processes run under SCHED_BATCH unless --app-scheduling normal says otherwise (see src/core/spawn/scheduling.ts),
// Node apps and generic ones alike, proxied or bypassed, with every thread they start; the core keeps the system
// default.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry, logged } from '../../helpers/ferry.js'
import { startCore } from '../../helpers/core.js'
import { getJson } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'
import { batchScheduler } from '../../../src/core/spawn/scheduling.js'

const skip = await batchScheduler() === undefined ? 'chrt(1) cannot set SCHED_BATCH on this machine (Linux with util-linux needed)' : false

const SCHED_OTHER = 0
const SCHED_BATCH = 3
const SCHED_IDLE = 5

/** The scheduling policy of each thread of a process (/proc/PID/task/TID/stat, field 41). */
function policies (pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map(tid => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
    // Fields after the command name, which may hold spaces and parentheses: the state is field 3.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3])
  })
}

test('app processes run under SCHED_BATCH, every thread of them, and the core does not', { skip }, async t => {
  const f = await startFerry(t, fixtureApp('proxy-lab'))
  const { pid } = await getJson<{ pid: number }>(`${f.url}/pid`)
  const threads = policies(pid)
  assert.ok(threads.length > 1, 'a Node process has several threads')
  assert.deepEqual(new Set(threads), new Set([SCHED_BATCH]))
  assert.deepEqual(new Set(policies(f.corePid)), new Set([SCHED_OTHER]))
})

test('a generic app is started under SCHED_BATCH too', { skip }, async t => {
  const dir = tmpDir(t)
  writeFileSync(join(dir, 'pid.js'), `require('node:http').createServer((req, res) => res.end(JSON.stringify({ pid: process.pid })))
    .listen(Number(process.env.PORT), '127.0.0.1')`)
  const f = await startCore(t, dir, ['--app-start-command', 'node pid.js'])
  const { pid } = await getJson<{ pid: number }>(`${f.url}/`)
  assert.deepEqual(new Set(policies(pid)), new Set([SCHED_BATCH]))
})

test('--app-scheduling normal leaves app processes on the system default', { skip }, async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--app-scheduling', 'normal'])
  const { pid } = await getJson<{ pid: number }>(`${f.url}/pid`)
  assert.deepEqual(new Set(policies(pid)), new Set([SCHED_OTHER]))
})

test('bypassed app processes run under SCHED_BATCH too, and --app-scheduling normal leaves them on the default', { skip }, async t => {
  // Under the normal policy each request's wake-up preempted a client on the same machine, so the two took turns a
  // request at a time (docs/bypass.md): the bypass default is batch like the proxy's, and normal stays available.
  for (const [args, policy] of [[[], SCHED_BATCH], [['--app-scheduling', 'normal'], SCHED_OTHER]] as const) {
    const f = await startFerry(t, fixtureApp('bypass-lab'), ['--bypass', ...args])
    const { pid } = await getJson<{ pid: number }>(`${f.url}/pid`)
    assert.deepEqual(new Set(policies(pid)), new Set([policy]), args.join(' ') || 'the default')
    await f.stop()
  }
})

const asRoot = process.geteuid?.() === 0
test('as root under SCHED_IDLE: an app whose user may not leave it starts anyway, under idle, and the log says why', { skip: skip !== false ? skip : asRoot ? false : 'needs root: only root may leave SCHED_IDLE, which is what tells the two users apart' }, async t => {
  // Root passes a probe of chrt that the app's user (nobody, for this root-owned app) fails: an unprivileged process
  // may not leave SCHED_IDLE. Probed as root only, every spawn of the app died in chrt and the group backed off forever.
  const f = await startFerry(t, fixtureApp('bypass-lab'), ['--bypass'], {}, ['/usr/bin/chrt', '--idle', '0'])
  // Bypassed clients wait in the backlog while no process accepts: a bounded wait fails instead of hanging.
  await waitFor(() => /app process \d+ of .* is ready/.test(f.output()), 15_000, 'an app process to start')
  const { pid } = await getJson<{ pid: number }>(`${f.url}/pid`)
  assert.deepEqual(new Set(policies(pid)), new Set([SCHED_IDLE]), 'the policy Ferry runs under')
  await logged(f, /chrt\(1\) cannot set SCHED_BATCH for uid 65534 gid 65534, so its app processes run under the policy Ferry runs under/)
})
