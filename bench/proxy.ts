// `npm run bench`: what does Ferry's reverse proxy cost? The example app is load-tested directly and through
// Ferry (two app processes), plus nginx and Passenger as baselines when they are installed, and Ferry in flying
// mode behind nginx (nginx → ferry fly), all on 127.0.0.1.
// The shared machine is noisy, so targets are measured in interleaved rounds and each reports its median.
//
// Also Ferry --bypass against PM2's cluster mode (pm2 installed by the bench into a scratch directory), 2 processes each;
// PM2 runs in a session of its own, as Ferry's app processes do (lib/pm2.ts says why that matters on Linux).
//
// Environment: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (50), BENCH_ROUNDS (2), BENCH_WARMUP (s, 2),
// BENCH_TARGETS=bypass,pm2,nginx,nginx+fly,passenger (only these optional targets, and no status/turbocache parts),
// BENCH_TOOL=autocannon (ignore wrk), BENCH_KEEP_TMP=1 (keep configs and logs), BENCH_BASELINE_ROOT=DIR (another built
// checkout of Ferry, measured beside this one in the same rounds as ferry@base).
import { envInt } from './lib/env.js'
import { mkdtempSync, readFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pickLoadTool, type LoadResult, type LoadTool } from './lib/load.js'
import { installCleanupHandlers, registerTempDir, stopAll, wasInterrupted } from './lib/procs.js'
import { FERRY_TARGET_RATIO, bypassVsPm2, renderTable, renderVerdict, summarise, writeJson } from './lib/report.js'
import { startPm2Cluster } from './lib/pm2.js'
import { isSkipped, startDirect, startFerry, startFlyBehindNginx, startNginx, startPassenger, type Context, type Skipped, type Target } from './lib/targets.js'

// dist/bench/proxy.js -> the repository root.
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'latest.json')


interface Settings { connections: number, seconds: number, warmupSeconds: number, rounds: number }

function machine (tool: LoadTool, settings: Settings): Record<string, string | number> {
  const ferryVersion = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    kernel: release(),
    node: process.version,
    ferry: ferryVersion,
    loadTool: tool.version,
    loadCommand: tool.describe(settings.connections, settings.seconds),
    loadAvgAtStart: loadavg().map(l => l.toFixed(2)).join(' ')
  }
}

const fmtResult = (r: LoadResult): string =>
  `${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  errors ${r.errors}  non-2xx ${r.non2xx}`

/**
 * Rounds of [direct, ferry, nginx?, passenger?] (reversed every other round), each measurement after its own warm-up
 * (a target that sat idle while the others ran has cold keep-alive pools and a cooled-down JIT). Interleaving spreads
 * the drift of a shared machine over all targets instead of penalising whichever happened to run during a noisy minute.
 */
async function measure (targets: Target[], tool: LoadTool, s: Settings): Promise<Map<string, LoadResult[]>> {
  const results = new Map<string, LoadResult[]>(targets.map(t => [t.name, []]))
  for (let round = 1; round <= s.rounds; round++) {
    // Every other round runs the targets in reverse, so none always runs right after the same other one (and gets
    // the machine as that one left it): bypass and PM2 each go first in turn.
    for (const t of round % 2 === 1 ? targets : [...targets].reverse()) {
      await tool.run(t.url, s.connections, s.warmupSeconds)
      const r = await tool.run(t.url, s.connections, s.seconds)
      results.get(t.name)?.push(r)
      console.log(`  round ${round}/${s.rounds}  ${t.name.padEnd(9)} ${fmtResult(r)}`)
    }
  }
  return results
}

/** BENCH_TARGETS=a,b: only these of the optional targets (direct and ferry always run); unset: all of them. */
const wanted = (name: string): boolean => {
  const only = process.env.BENCH_TARGETS
  return only === undefined || only === '' || only.split(',').map(s => s.trim()).includes(name)
}

async function startTargets (ctx: Context): Promise<{ targets: Target[], skipped: Skipped[] }> {
  // Direct and Ferry are the point of the bench: if either fails to start, the run fails.
  const direct = await startDirect(ctx)
  const ferry = await startFerry(ctx)
  const targets: Target[] = [direct, ferry]
  // Bypass mode against PM2's cluster mode: both share the listening socket among 2 processes of the same app.
  if (wanted('bypass')) {
    const bypass = await startFerry({ ...ctx, ferryArgs: ['--bypass'] })
    targets.push({ ...bypass, name: 'bypass', description: bypass.description.replace('ferry start', 'ferry start --bypass') })
  }
  const pm2 = wanted('pm2') ? await startPm2Cluster(ctx, 2) : undefined
  // BENCH_BASELINE_ROOT: another built checkout (say, the previous commit) measured in the same run, for before/after.
  const base = process.env.BENCH_BASELINE_ROOT
  if (base !== undefined && base !== '') targets.push({ ...await startFerry({ ...ctx, root: base }), name: 'ferry@base' })
  const skipped: Skipped[] = []
  const optional = [
    pm2,
    wanted('nginx') ? await startNginx(ctx, direct) : undefined,
    wanted('nginx+fly') ? await startFlyBehindNginx(ctx) : undefined,
    wanted('passenger') ? await startPassenger(ctx) : undefined
  ]
  for (const t of optional) {
    if (t === undefined) continue
    if (isSkipped(t)) skipped.push(t)
    else targets.push(t)
  }
  return { targets, skipped }
}

async function main (): Promise<void> {
  installCleanupHandlers()
  const settings: Settings = {
    connections: envInt('BENCH_CONNECTIONS', 50),
    seconds: envInt('BENCH_DURATION', 10),
    warmupSeconds: envInt('BENCH_WARMUP', 2),
    rounds: envInt('BENCH_ROUNDS', 2)
  }
  const tool = pickLoadTool()
  const info = machine(tool, settings)
  console.log('Ferry proxy benchmark')
  for (const [k, v] of Object.entries(info)) console.log(`  ${`${k}:`.padEnd(16)}${v}`)
  console.log(`  ${'settings:'.padEnd(16)}${settings.connections} connections, ${settings.seconds} s per measurement after ${settings.warmupSeconds} s warm-up, ${settings.rounds} interleaved round(s), median reported`)

  const tmp = mkdtempSync(join(tmpdir(), 'ferry-bench-'))
  registerTempDir(tmp)
  const ctx: Context = { root: ROOT, appDir: join(ROOT, 'examples', 'hello'), tmp }
  try {
    const { targets, skipped } = await startTargets(ctx)
    console.log('\nTargets:')
    for (const t of targets) console.log(`  ${t.name.padEnd(10)}${t.url}  ${t.description}`)
    for (const s of skipped) console.log(`  ${s.name.padEnd(10)}skipped: ${s.reason}`)

    console.log('\nMeasuring:')
    const results = await measure(targets, tool, settings)
    const rows = summarise(targets, results)
    console.log(`\nResults (median of ${settings.rounds} round(s)):\n`)
    console.log(renderTable(rows))
    console.log('\n' + renderVerdict(rows))

    const ferry = rows.find(r => r.name === 'ferry')
    writeJson(RESULTS_FILE, {
      date: new Date().toISOString(),
      machine: { ...info, loadAvgAtEnd: loadavg().map(l => l.toFixed(2)).join(' ') },
      settings,
      targets: rows,
      skipped,
      ferryVsDirect: ferry?.ratioVsDirect ?? null,
      goal: { ferryVsDirectAtLeast: FERRY_TARGET_RATIO, met: (ferry?.ratioVsDirect ?? 0) >= FERRY_TARGET_RATIO },
      bypassVsPm2: bypassVsPm2(rows) ?? null,
      autogroups: autogroups()
    })
    console.log(`\nload average now: ${loadavg().map(l => l.toFixed(2)).join(' ')}`)
    console.log(`scheduler autogroups (kernel.sched_autogroup_enabled): ${autogroups()}`)
    console.log(`Results written to ${RESULTS_FILE}`)
  } finally {
    await stopAll()
  }
}

main().catch(err => {
  if (wasInterrupted()) return
  console.error(`\nbench failed: ${(err as Error).stack ?? String(err)}`)
  process.exitCode = 1
})
// The status, turbocache, languages (Python, Ruby) and cache conformance benches run after the proxy bench has finished
// and cleaned up (main() is not awaited).
process.once('beforeExit', () => {
  // A run narrowed with BENCH_TARGETS is about those targets only.
  if (wasInterrupted() || (process.env.BENCH_TARGETS ?? '') !== '') return
  void import('./status.js').then(async m => { await m.runStatusBench() })
    .catch((err: unknown) => { console.error(`\nstatus bench not run: ${String(err)}`) })
    .then(async () => { if (!wasInterrupted()) await (await import('./turbocache.js')).runTurbocacheBench() })
    .catch((err: unknown) => { console.error(`\nturbocache bench not run: ${String(err)}`) })
    .then(async () => { if (!wasInterrupted()) await (await import('./languages.js')).runLanguagesBench() })
    .catch((err: unknown) => { console.error(`\nlanguages bench not run: ${String(err)}`) })
    .then(async () => { if (!wasInterrupted()) await (await import('./cache-conformance.js')).runConformanceBench() })
    .catch((err: unknown) => { console.error(`\ncache conformance bench not run: ${String(err)}`) })
})

/**
 * Whether Linux shares CPU between sessions before processes. Ferry's app processes each have a session of their own
 * and PM2's workers share one, so with autogroups on, bypass against PM2 also measures how the scheduler splits CPU
 * between sessions under other load; with them off (`sysctl kernel.sched_autogroup_enabled=0` for the run) it does not.
 */
function autogroups (): string {
  try {
    return readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1' ? 'on' : 'off'
  } catch {
    return 'unknown'
  }
}
