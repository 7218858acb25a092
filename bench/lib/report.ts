// Turning per-round measurements into the summary: medians per target, ratios against the direct app, the
// printed table and the JSON file.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { LoadResult } from './load.js'
import type { Target } from './targets.js'

/** The goal stated in the issue: Ferry serves at least half the requests/s of the app reached directly. */
export const FERRY_TARGET_RATIO = 0.5

export interface TargetSummary {
  readonly name: string
  readonly url: string
  readonly description: string
  readonly rounds: LoadResult[]
  readonly median: { rps: number, p50Ms: number, p99Ms: number }
  /** Summed over all rounds: one failed request is worth seeing even if the medians look fine. */
  readonly errors: number
  readonly non2xx: number
  readonly ratioVsDirect: number | undefined
}

export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

export function summarise (targets: Target[], results: Map<string, LoadResult[]>): TargetSummary[] {
  const medianOf = (name: string): TargetSummary['median'] => {
    const rs = results.get(name) ?? []
    return { rps: median(rs.map(r => r.rps)), p50Ms: median(rs.map(r => r.p50Ms)), p99Ms: median(rs.map(r => r.p99Ms)) }
  }
  const directRps = medianOf('direct').rps
  return targets.map(t => {
    const rounds = results.get(t.name) ?? []
    const m = medianOf(t.name)
    return {
      ...t,
      rounds,
      median: m,
      errors: rounds.reduce((sum, r) => sum + r.errors, 0),
      non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
      ratioVsDirect: directRps > 0 ? m.rps / directRps : undefined
    }
  })
}

const fmt = (n: number, digits: number): string => Number.isFinite(n) ? n.toFixed(digits) : '-'

export function renderTable (rows: TargetSummary[]): string {
  const header = ['target', 'requests/s', 'p50 ms', 'p99 ms', 'errors/non-2xx', 'vs direct (rps)']
  const body = rows.map(r => [
    r.name, fmt(r.median.rps, 0), fmt(r.median.p50Ms, 2), fmt(r.median.p99Ms, 2), `${r.errors}/${r.non2xx}`,
    r.ratioVsDirect === undefined ? '-' : `${fmt(r.ratioVsDirect, 2)}x`
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map(row => row[i].length)))
  // Names left-aligned, numbers right-aligned, so digits line up.
  const line = (cells: string[]): string => cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ')
  return [line(header), widths.map(w => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}

/** Issue 18: bypass mode serves at least as many requests/s as PM2's cluster mode, with a p99 no worse. */
export const BYPASS_VS_PM2_RATIO = 1.0

/** Bypass against PM2 cluster, when both ran: the requests/s ratio and both p99s. */
export function bypassVsPm2 (rows: TargetSummary[]): { ratio: number, p99Ms: number, pm2P99Ms: number, met: boolean } | undefined {
  const bypass = rows.find(r => r.name === 'bypass')
  const pm2 = rows.find(r => r.name === 'pm2')
  if (bypass === undefined || pm2 === undefined || pm2.median.rps <= 0) return undefined
  const ratio = bypass.median.rps / pm2.median.rps
  return { ratio, p99Ms: bypass.median.p99Ms, pm2P99Ms: pm2.median.p99Ms, met: ratio >= BYPASS_VS_PM2_RATIO && bypass.median.p99Ms <= pm2.median.p99Ms }
}

export function renderVerdict (rows: TargetSummary[]): string {
  const ferry = rows.find(r => r.name === 'ferry')
  if (ferry?.ratioVsDirect === undefined) return 'Ferry / direct: not measured'
  const ok = ferry.ratioVsDirect >= FERRY_TARGET_RATIO
  const b = bypassVsPm2(rows)
  return [
    '='.repeat(64),
    `  Ferry / direct (requests/s): ${ferry.ratioVsDirect.toFixed(2)}x`,
    `  Target from the issue: Ferry >= ${FERRY_TARGET_RATIO}x direct  ->  ${ok ? 'MET' : 'NOT MET'}`,
    ...(b === undefined
      ? []
      : [`  Ferry --bypass / PM2 cluster (requests/s): ${b.ratio.toFixed(2)}x, p99 ${b.p99Ms.toFixed(2)} ms vs ${b.pm2P99Ms.toFixed(2)} ms`,
          `  Target from issue 18: >= ${BYPASS_VS_PM2_RATIO.toFixed(1)}x and p99 no worse  ->  ${b.met ? 'MET' : 'NOT MET'}`]),
    '='.repeat(64)
  ].join('\n')
}

export function writeJson (path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, JSON.stringify(data, null, 2) + '\n')
}
