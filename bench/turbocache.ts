// Turbocache benchmark (issue targets: hits >= 1.2x the app served directly; a 20 ms endpoint >= 50x faster
// cached). Same method as the proxy bench: targets started by PID, load from a separate process, interleaved
// rounds, medians. The fixture app test/fixtures/apps/cache-lab answers /public cacheably and /slow after 20 ms.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { envInt } from './lib/env.js'
import { pickLoadTool, type LoadResult } from './lib/load.js'
import { installCleanupHandlers, registerTempDir, stopAll } from './lib/procs.js'
import { median } from './lib/report.js'
import { startDirect, startFerry, type Context } from './lib/targets.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const ROUNDS = envInt('BENCH_ROUNDS', 2)
const SECONDS = envInt('BENCH_DURATION', 8)

interface Case { readonly name: string, readonly url: string, readonly connections: number }

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

export async function runTurbocacheBench (): Promise<void> {
  installCleanupHandlers()
  const tmp = mkdtempSync(join(tmpdir(), 'ferry-bench-cache-'))
  registerTempDir(tmp)
  const ctx: Context = { root: ROOT, appDir: join(ROOT, 'test', 'fixtures', 'apps', 'cache-lab'), tmp }
  try {
    const direct = await startDirect(ctx)
    const ferry = await startFerry(ctx)
    console.log(`\nTurbocache benchmark (${ROUNDS} rounds of ${SECONDS} s, ${pickLoadTool().name})`)
    const cases: Case[] = [
      { name: 'direct /public (50 conns)', url: `${direct.url}public`, connections: 50 },
      { name: 'ferry /public, hits (50 conns)', url: `${ferry.url}public`, connections: 50 },
      { name: 'direct /slow 20 ms (50 conns)', url: `${direct.url}slow`, connections: 50 },
      { name: 'ferry /slow-plain uncached (50 conns)', url: `${ferry.url}slow-plain`, connections: 50 },
      { name: 'ferry /slow, hits (50 conns)', url: `${ferry.url}slow`, connections: 50 },
      { name: 'direct /slow 20 ms (1 conn)', url: `${direct.url}slow`, connections: 1 },
      { name: 'ferry /slow, hits (1 conn)', url: `${ferry.url}slow`, connections: 1 }
    ]
    const results = await measure(cases)
    const rps = (name: string): number => median((results.get(name) ?? []).map(r => r.rps))
    const hits = rps('ferry /public, hits (50 conns)') / rps('direct /public (50 conns)')
    const slow50 = rps('ferry /slow, hits (50 conns)') / rps('direct /slow 20 ms (50 conns)')
    const slow1 = rps('ferry /slow, hits (1 conn)') / rps('direct /slow 20 ms (1 conn)')
    const verdict = (x: number, target: number): string => `${x.toFixed(2)}x (target ${target}x: ${x >= target ? 'MET' : 'NOT MET'})`
    console.log(`\n  hits vs direct:            ${verdict(hits, 1.2)}`)
    console.log(`  slow endpoint, 50 conns:   ${verdict(slow50, 50)}  (direct is bounded by 50 / 20 ms = 2,500 req/s)`)
    console.log(`  slow endpoint, 1 conn:     ${verdict(slow1, 50)}`)
  } finally {
    await stopAll()
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runTurbocacheBench().catch((err: unknown) => { console.error(err); process.exitCode = 1 })
}
