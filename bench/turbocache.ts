// Turbocache benchmark (issue targets: hits >= 1.2x the app served directly; a 20 ms endpoint >= 50x faster
// cached). Same method as the proxy bench: targets started by PID, load from a separate process, interleaved
// rounds, medians. The fixture app test/fixtures/apps/cache-lab answers /public cacheably, /slow after waiting 20 ms
// and /busy after computing for 20 ms (and -plain variants of both that may not be cached). Last, the collapsed-miss
// case: bursts of concurrent requests for a cold page, cacheable (one reaches the app) and not.
// Then the collapsed-miss case as issue 15 states it, before/after: BENCH_COLLAPSE_REQUESTS (100) clients ask at once
// for one cold cacheable URL the app takes 50 ms to answer, on this build and BENCH_BASELINE_ROOT's; how many reach
// the app, and each client's p50/p99. Its Ferry has one app process, so the serial numbers count the app's answers.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { envInt } from './lib/env.js'
import { pickLoadTool, type LoadResult } from './lib/load.js'
import { installCleanupHandlers, registerTempDir, stopAll } from './lib/procs.js'
import { burst, quantile } from './lib/burst.js'
import { median } from './lib/report.js'
import { startDirect, startFerry, type Context, type Target } from './lib/targets.js'
import { request } from 'undici'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const ROUNDS = envInt('BENCH_ROUNDS', 3)
const SECONDS = envInt('BENCH_DURATION', 8)
const COLLAPSE_REQUESTS = envInt('BENCH_COLLAPSE_REQUESTS', 100)
const COLLAPSE_APP_MS = 50

interface Case { readonly name: string, readonly url: string, readonly connections: number }

/** Concurrent misses per burst, and bursts per case, for the collapsed-miss case. */
const BURST = 50
const BURSTS = envInt('BENCH_BURSTS', 20)

/**
 * Bursts of BURST concurrent requests for one URL nobody asked for before (a cold page under a sudden crowd): how
 * long a burst takes, and how many different answers it got (1: one request reached the app, the rest were
 * collapsed onto it; up to BURST for the uncacheable variant of the same 20 ms page).
 */
async function measureBursts (url: (i: number) => string): Promise<{ ms: number, answers: number }> {
  const times: number[] = []
  const answers: number[] = []
  for (let i = 0; i < BURSTS; i++) {
    const started = performance.now()
    const bodies = await Promise.all(Array.from({ length: BURST }, async () => {
      const res = await request(url(i), { reset: true })
      return await res.body.text()
    }))
    times.push(performance.now() - started)
    answers.push(new Set(bodies).size)
  }
  return { ms: median(times), answers: median(answers) }
}

async function measure (cases: Case[]): Promise<Map<string, LoadResult[]>> {
  const tool = pickLoadTool()
  const results = new Map<string, LoadResult[]>()
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of cases) {
      await tool.run(c.url, c.connections, 1) // warm-up: also fills the cache
      const r = await tool.run(c.url, c.connections, SECONDS)
      results.set(c.name, [...(results.get(c.name) ?? []), r])
      console.log(`  round ${round}/${ROUNDS}  ${c.name.padEnd(34)} ${Math.round(r.rps).toString().padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  non-2xx ${r.non2xx}`)
    }
  }
  return results
}

interface CollapseRound { readonly appAnswers: number, readonly p50Ms: number, readonly p99Ms: number, readonly non200: number }

/** One round: a URL no one asked for before (cold), COLLAPSE_REQUESTS clients at once. */
async function collapseRound (ferry: Target, round: number): Promise<CollapseRound> {
  const url = `${ferry.url}slow?ms=${COLLAPSE_APP_MS}&collapse=${round}-${process.hrtime.bigint()}`
  const answers = await burst(url, COLLAPSE_REQUESTS)
  const ms = answers.map(a => a.ms)
  return {
    // Each answer of the app has a new serial; a cached or collapsed answer repeats one.
    appAnswers: new Set(answers.map(a => /serial=(\d+)/.exec(a.body)?.[1] ?? `none:${a.status}`)).size,
    p50Ms: quantile(ms, 0.5),
    p99Ms: quantile(ms, 0.99),
    non200: answers.filter(a => a.status !== 200).length
  }
}

async function collapsedMisses (builds: Array<{ name: string, ferry: Target }>): Promise<void> {
  console.log(`\n  collapsed misses: ${COLLAPSE_REQUESTS} concurrent requests for one cacheable URL, cold cache, the app answers in ${COLLAPSE_APP_MS} ms (1 app process)`)
  const rounds = new Map<string, CollapseRound[]>(builds.map(b => [b.name, []]))
  for (let round = 1; round <= ROUNDS; round++) {
    for (const b of builds) {
      const r = await collapseRound(b.ferry, round)
      rounds.get(b.name)?.push(r)
      console.log(`    round ${round}/${ROUNDS}  ${b.name.padEnd(12)} reached the app ${String(r.appAnswers).padStart(3)} of ${COLLAPSE_REQUESTS}  p50 ${r.p50Ms.toFixed(1)} ms  p99 ${r.p99Ms.toFixed(1)} ms  non-200 ${r.non200}`)
    }
  }
  for (const b of builds) {
    const rs = rounds.get(b.name) ?? []
    console.log(`    ${b.name.padEnd(12)} median of ${rs.length}: reached the app ${median(rs.map(r => r.appAnswers))} of ${COLLAPSE_REQUESTS}, ` +
      `p50 ${median(rs.map(r => r.p50Ms)).toFixed(1)} ms, p99 ${median(rs.map(r => r.p99Ms)).toFixed(1)} ms`)
  }
}

export async function runTurbocacheBench (): Promise<void> {
  installCleanupHandlers()
  const tmp = mkdtempSync(join(tmpdir(), 'ferry-bench-cache-'))
  registerTempDir(tmp)
  const ctx: Context = { root: ROOT, appDir: join(ROOT, 'test', 'fixtures', 'apps', 'cache-lab'), tmp }
  try {
    const direct = await startDirect(ctx)
    const ferry = await startFerry(ctx)
    const baseRoot = process.env.BENCH_BASELINE_ROOT
    const base = baseRoot === undefined || baseRoot === '' ? undefined : await startFerry({ ...ctx, root: baseRoot })
    console.log(`\nTurbocache benchmark (${ROUNDS} rounds of ${SECONDS} s, ${pickLoadTool().name})`)
    const cases: Case[] = [
      { name: 'direct /public (50 conns)', url: `${direct.url}public`, connections: 50 },
      { name: 'ferry /public, hits (50 conns)', url: `${ferry.url}public`, connections: 50 },
      { name: 'ferry /slow-plain uncached (50 conns)', url: `${ferry.url}slow-plain`, connections: 50 },
      { name: 'ferry /slow, hits (50 conns)', url: `${ferry.url}slow`, connections: 50 },
      { name: 'ferry /slow-plain uncached (1 conn)', url: `${ferry.url}slow-plain`, connections: 1 },
      { name: 'ferry /slow, hits (1 conn)', url: `${ferry.url}slow`, connections: 1 },
      { name: 'ferry /busy-plain uncached (50 conns)', url: `${ferry.url}busy-plain`, connections: 50 },
      { name: 'ferry /busy, hits (50 conns)', url: `${ferry.url}busy`, connections: 50 },
      ...(base === undefined ? [] : [{ name: 'ferry@base /public, hits (50 conns)', url: `${base.url}public`, connections: 50 }])
    ]
    const results = await measure(cases)
    const rps = (name: string): number => median((results.get(name) ?? []).map(r => r.rps))
    const ratio = (cached: string, uncached: string): number => rps(cached) / rps(uncached)
    const verdict = (x: number, target: number): string => `${x.toFixed(2)}x (target ${target}x: ${x >= target ? 'MET' : 'NOT MET'})`
    console.log(`\n  hits vs the app served directly:              ${verdict(ratio('ferry /public, hits (50 conns)', 'direct /public (50 conns)'), 1.2)}`)
    if (base !== undefined) console.log(`  hits, this build vs BENCH_BASELINE_ROOT's:   ${ratio('ferry /public, hits (50 conns)', 'ferry@base /public, hits (50 conns)').toFixed(2)}x`)
    console.log('  20 ms endpoint, cached vs uncached through Ferry:')
    console.log(`    20 ms of CPU work, 50 conns:                ${verdict(ratio('ferry /busy, hits (50 conns)', 'ferry /busy-plain uncached (50 conns)'), 50)}`)
    console.log(`    20 ms waiting (a timer), 1 conn:            ${verdict(ratio('ferry /slow, hits (1 conn)', 'ferry /slow-plain uncached (1 conn)'), 50)}`)
    console.log(`    20 ms waiting (a timer), 50 conns:          ${verdict(ratio('ferry /slow, hits (50 conns)', 'ferry /slow-plain uncached (50 conns)'), 50)}` +
      '\n      (uncached, 50 waiting requests overlap: 50 / 20 ms = 2,500 req/s, so 50x would take 125,000 hits/s)')
    // Unique URLs per burst: every burst is a cold miss. The answers carry a serial number, so identical bodies are
    // one app response served to several clients.
    const collapsed = await measureBursts(i => `${ferry.url}slow?ms=20&burst=${i}`)
    const uncacheable = await measureBursts(i => `${ferry.url}slow-plain?ms=20&burst=${i}`)
    console.log(`  ${BURST} concurrent misses for one cold 20 ms page (${BURSTS} bursts, medians):`)
    console.log(`    cacheable (collapsed):   ${collapsed.ms.toFixed(1)} ms per burst, ${collapsed.answers} app answer(s) per burst`)
    console.log(`    uncacheable:             ${uncacheable.ms.toFixed(1)} ms per burst, ${uncacheable.answers} app answer(s) per burst`)
    const collapse = [{ name: 'ferry', ferry: await startFerry(ctx, { processes: 1 }) }]
    if (baseRoot !== undefined && baseRoot !== '') collapse.push({ name: 'ferry@base', ferry: await startFerry({ ...ctx, root: baseRoot }, { processes: 1 }) })
    await collapsedMisses(collapse)
  } finally {
    await stopAll()
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runTurbocacheBench().catch((err: unknown) => { console.error(err); process.exitCode = 1 })
}
