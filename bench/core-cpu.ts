// `node dist/bench/core-cpu.js BASE_ROOT` (after `npm run build`): the Ferry core's CPU time per proxied request,
// this build against another built checkout (say, the last release), in interleaved rounds. Requests/s on this
// shared 2-core machine move with whatever else runs; the core's own utime+stime per request moves far less, so it
// is what tells two builds of the request path apart.
//
// Environment: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (50), BENCH_ROUNDS (3), BENCH_FERRY_ARGS (more
// `ferry start` options for this build only, space-separated: say `--metrics-address 127.0.0.1:0`), BENCH_CPU_HITS=1
// (turbocache hits instead: the cache-lab fixture's /public, answered from the cache after the warm-up).
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { envInt } from './lib/env.js'
import { pickLoadTool } from './lib/load.js'
import { installCleanupHandlers, registerTempDir, stopAll } from './lib/procs.js'
import { startFerry, type Target } from './lib/targets.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Linux reports utime and stime in clock ticks of 1/100 s (USER_HZ). */
const TICK_US = 10_000

/** utime and stime, in clock ticks: user time is what the core's own code costs, kernel time its reads and writes. */
function cpuTicks (pid: number): { user: number, sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { user: Number(fields[11]), sys: Number(fields[12]) }
}

function corePid (t: Target): number {
  const m = /core (\d+)/.exec(t.description)
  if (m === null) throw new Error(`no core PID in ${t.description}`)
  return Number(m[1])
}

async function main (): Promise<void> {
  const base = process.argv[2]
  if (base === undefined) throw new Error('usage: node dist/bench/core-cpu.js BASE_ROOT (another built Ferry checkout)')
  installCleanupHandlers()
  const seconds = envInt('BENCH_DURATION', 10)
  const connections = envInt('BENCH_CONNECTIONS', 50)
  const rounds = envInt('BENCH_ROUNDS', 3)
  const tmp = mkdtempSync(join(tmpdir(), 'ferry-bench-cpu-'))
  registerTempDir(tmp)
  const hits = process.env.BENCH_CPU_HITS === '1'
  const appDir = hits ? join(ROOT, 'test', 'fixtures', 'apps', 'cache-lab') : join(ROOT, 'examples', 'hello')
  const path = hits ? 'public' : ''
  const tool = pickLoadTool()
  try {
    const targets = [
      { name: 'this build', t: await startFerry({ root: ROOT, appDir, tmp, ferryArgs: (process.env.BENCH_FERRY_ARGS ?? '').split(' ').filter(a => a !== '') }) },
      { name: 'base', t: await startFerry({ root: resolve(base), appDir, tmp }) }
    ]
    console.log(`Core CPU per ${hits ? 'turbocache hit' : 'proxied request'} (${rounds} rounds, ${connections} connections, ${seconds} s, ${tool.name})`)
    for (let round = 1; round <= rounds; round++) {
      for (const { name, t } of targets) {
        await tool.run(t.url + path, connections, 2)
        const pid = corePid(t)
        const before = cpuTicks(pid)
        const r = await tool.run(t.url + path, connections, seconds)
        const after = cpuTicks(pid)
        const per = (ticks: number): number => ticks * TICK_US / Math.max(1, r.totalRequests)
        const user = per(after.user - before.user)
        const sys = per(after.sys - before.sys)
        console.log(`  round ${round}  ${name.padEnd(10)}  ${(user + sys).toFixed(1).padStart(5)} µs/request (user ${user.toFixed(1)}, kernel ${sys.toFixed(1)})  ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms`)
      }
    }
  } finally {
    await stopAll()
  }
}

main().catch((err: unknown) => { console.error(err); process.exitCode = 1 })
