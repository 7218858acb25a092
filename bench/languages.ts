// Python and Ruby apps (issue 17's goal: Ferry >= 1.0x Passenger and >= 0.8x gunicorn / puma behind nginx, in the
// same run). The same Flask and Sinatra hello apps (bench/apps/) with 2 processes each, through:
//   ferry      ferry start (the WSGI / Rack loader), --min-instances 2 --max-pool-size 2
//   passenger  Debian's passenger start --engine builtin, sized the same
//   nginx+gunicorn / nginx+puma: 2 sync workers / 2 workers (1 thread each: one request at a time per process, as
//              under Ferry and Passenger) behind nginx with upstream keep-alive
// Turbocaching is off in Ferry and Passenger: the point is serving the app, not answering from a cache.
// Same method as the proxy bench: interleaved rounds, medians. Targets missing on this machine are skipped, saying so.
//
// Run alone: `npm run build && node dist/bench/languages.js`; `npm run bench` runs it after the other benches.
// Environment: BENCH_DURATION (s, 8), BENCH_LANG_CONNECTIONS (16), BENCH_ROUNDS (3), BENCH_LANGUAGES (python,ruby);
// BENCH_FERRY_BASELINE: the bin/run.js of another built checkout, measured as "ferry-base" in the same rounds (a change
// to a loader measured against the code before it on a shared, noisy machine).
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { envInt } from './lib/env.js'
import { pickLoadTool, type LoadResult } from './lib/load.js'
import { HOST, freePort } from './lib/net.js'
import { installCleanupHandlers, registerTempDir, start, stop, stopAll } from './lib/procs.js'
import { median, writeJson } from './lib/report.js'
import { ferryReady, ready, readyOrSkip, runNginx, watchFerry, type Skipped, type Target } from './lib/targets.js'
import { which } from './lib/which.js'

const execFileAsync = promisify(execFile)
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'languages.json')
const ROUNDS = envInt('BENCH_ROUNDS', 3)
const SECONDS = envInt('BENCH_DURATION', 8)
const CONNECTIONS = envInt('BENCH_LANG_CONNECTIONS', 16)
const PROCESSES = '2'
const GOAL = { vsPassenger: 1.0, vsFrontedServer: 0.8 }
const LANGUAGES = (process.env.BENCH_LANGUAGES ?? 'python,ruby').split(',')
const BASELINE = process.env.BENCH_FERRY_BASELINE

interface Language {
  readonly name: 'python' | 'ruby'
  readonly appDir: string
  /** The interpreter that has the framework (Debian's, where python3-flask / ruby-sinatra put it). */
  readonly interpreter: string | undefined
  readonly interpreterFlag: '--python' | '--ruby'
  readonly missing: string | undefined
  /** gunicorn or puma: the app server an operator would put behind nginx. */
  readonly server: (port: number, dir: string) => { name: string, bin: string | undefined, args: string[] }
}

/** The first candidate that runs the check successfully (the interpreter that has the framework). */
function firstWorking (candidates: string[], args: string[]): string | undefined {
  return candidates.find(c => {
    try {
      execFileSync(c, args, { stdio: 'ignore', timeout: 10_000 })
      return true
    } catch { return false }
  })
}

function languages (): Language[] {
  const python = firstWorking(['/usr/bin/python3', 'python3'], ['-c', 'import flask'])
  const ruby = firstWorking(['/usr/bin/ruby', 'ruby'], ['-rsinatra/base', '-e', '0'])
  return [
    {
      name: 'python',
      appDir: join(ROOT, 'bench', 'apps', 'flask-hello'),
      interpreter: python,
      interpreterFlag: '--python',
      missing: python === undefined ? 'no python3 that imports flask (apt-get install python3-flask)' : undefined,
      server: (port, dir) => ({
        name: 'nginx+gunicorn',
        bin: which('gunicorn'),
        args: ['--workers', PROCESSES, '--worker-class', 'sync', '--bind', `${HOST}:${port}`, '--chdir', dir, '--log-level', 'warning', 'passenger_wsgi:application']
      })
    },
    {
      name: 'ruby',
      appDir: join(ROOT, 'bench', 'apps', 'sinatra-hello'),
      interpreter: ruby,
      interpreterFlag: '--ruby',
      missing: ruby === undefined ? 'no ruby that requires sinatra (apt-get install ruby-sinatra)' : undefined,
      server: (port, dir) => ({
        name: 'nginx+puma',
        bin: which('puma'),
        args: ['--workers', PROCESSES, '--threads', '1:1', '--bind', `tcp://${HOST}:${port}`, '--environment', 'production', '--quiet', join(dir, 'config.ru')]
      })
    }
  ]
}

async function startFerryFor (lang: Language, runJs = join(ROOT, 'bin', 'run.js'), name = 'ferry'): Promise<Target> {
  const port = await freePort()
  const args = [runJs, 'start', lang.appDir, '--port', String(port), '--address', HOST,
    '--min-instances', PROCESSES, '--max-pool-size', PROCESSES, '--disable-turbocaching', lang.interpreterFlag, lang.interpreter!]
  const m = start(`${name} (${lang.name})`, process.execPath, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } })
  await ferryReady(m, watchFerry(m))
  const url = `http://${HOST}:${port}/`
  await ready(m, url, 15_000)
  return { name, url, description: `${name === 'ferry' ? '' : `${runJs}: `}ferry start --min-instances ${PROCESSES} --max-pool-size ${PROCESSES} --disable-turbocaching` }
}

async function startPassengerFor (lang: Language, tmp: string): Promise<Target | Skipped> {
  const bin = which('passenger')
  if (bin === undefined) return { name: 'passenger', reason: 'passenger is not on PATH (Debian package "passenger")' }
  const port = await freePort()
  const pidFile = join(tmp, `passenger-${lang.name}.pid`)
  const args = ['start', lang.appDir, '--port', String(port), '--address', HOST, '--min-instances', PROCESSES,
    '--max-pool-size', PROCESSES, '--environment', 'production', '--engine', 'builtin', '--disable-turbocaching',
    '--disable-security-update-check', '--disable-anonymous-telemetry',
    lang.interpreterFlag, lang.interpreter!, '--log-file', join(tmp, `passenger-${lang.name}.log`), '--pid-file', pidFile]
  const m = start('passenger', bin, args, { cwd: lang.appDir })
  m.gracefulStop = async () => { await execFileAsync(bin, ['stop', '--pid-file', pidFile], { timeout: 10_000 }) }
  const url = `http://${HOST}:${port}/`
  return await readyOrSkip(m, url, 60_000) ?? { name: 'passenger', url, description: `passenger start --engine builtin --min-instances ${PROCESSES} --max-pool-size ${PROCESSES} --disable-turbocaching` }
}

async function startFrontedServer (lang: Language, tmp: string): Promise<Target | Skipped> {
  const nginx = which('nginx')
  const port = await freePort()
  const server = lang.server(port, lang.appDir)
  if (nginx === undefined) return { name: server.name, reason: 'nginx is not on PATH' }
  if (server.bin === undefined) return { name: server.name, reason: `${server.name.slice(6)} is not on PATH` }
  const m = start(server.name.slice(6), server.bin, server.args, { cwd: lang.appDir, env: { ...process.env, RACK_ENV: 'production' } })
  const failed = await readyOrSkip(m, `http://${HOST}:${port}/`, 30_000)
  if (failed !== undefined) return failed
  const dir = join(tmp, `nginx-${lang.name}`)
  mkdirSync(dir, { recursive: true })
  const url = await runNginx(nginx, server.name, dir, `http://${HOST}:${port}/`)
  if (typeof url !== 'string') { await stop(m); return url }
  return { name: server.name, url, description: `nginx (upstream keepalive 64) -> ${server.name.slice(6)} ${server.args.slice(0, 4).join(' ')}` }
}

interface Row { readonly language: string, readonly name: string, readonly description: string, readonly rps: number, readonly p99Ms: number, readonly errors: number, readonly non2xx: number }

async function measure (lang: Language, targets: Target[]): Promise<Row[]> {
  const tool = pickLoadTool()
  const results = new Map<string, LoadResult[]>(targets.map(t => [t.name, []]))
  for (let round = 1; round <= ROUNDS; round++) {
    // Each round starts at the next target: the same Python loader measured twice, always first then second, came
    // out 1.32x apart, whatever favours the first (rotating spreads it over all).
    for (const t of [...targets.slice((round - 1) % targets.length), ...targets.slice(0, (round - 1) % targets.length)]) {
      await tool.run(t.url, CONNECTIONS, 2)
      const r = await tool.run(t.url, CONNECTIONS, SECONDS)
      results.get(t.name)?.push(r)
      console.log(`  ${lang.name} round ${round}/${ROUNDS}  ${t.name.padEnd(15)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  errors ${r.errors}  non-2xx ${r.non2xx}`)
    }
  }
  return targets.map(t => {
    const rs = results.get(t.name) ?? []
    return {
      language: lang.name,
      name: t.name,
      description: t.description,
      rps: median(rs.map(r => r.rps)),
      p99Ms: median(rs.map(r => r.p99Ms)),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      non2xx: rs.reduce((a, r) => a + r.non2xx, 0)
    }
  })
}

function verdict (rows: Row[]): string[] {
  const ferry = rows.find(r => r.name === 'ferry')
  if (ferry === undefined) return []
  return rows.filter(r => r !== ferry).map(r => {
    const ratio = ferry.rps / r.rps
    if (r.name === 'ferry-base') return `  ${ferry.language}: ferry / ferry-base = ${ratio.toFixed(2)}x`
    const goal = r.name === 'passenger' ? GOAL.vsPassenger : GOAL.vsFrontedServer
    return `  ${ferry.language}: ferry / ${r.name} = ${ratio.toFixed(2)}x (goal >= ${goal.toFixed(1)}x: ${ratio >= goal ? 'met' : 'NOT met'})`
  })
}

export async function runLanguagesBench (): Promise<void> {
  installCleanupHandlers()
  console.log(`\nPython and Ruby apps (${CONNECTIONS} connections, ${SECONDS} s per measurement, ${ROUNDS} interleaved rounds, median)`)
  const all: Row[] = []
  const skipped: Array<Skipped & { language: string }> = []
  try {
    for (const lang of languages().filter(l => LANGUAGES.includes(l.name))) {
      if (lang.missing !== undefined) { skipped.push({ language: lang.name, name: '*', reason: lang.missing }); console.log(`  ${lang.name}: skipped: ${lang.missing}`); continue }
      // A directory per language: stopAll() after each language removes the registered ones.
      const tmp = mkdtempSync(join(tmpdir(), `ferry-bench-${lang.name}-`))
      registerTempDir(tmp)
      const targets: Target[] = [await startFerryFor(lang)]
      if (BASELINE !== undefined) targets.push(await startFerryFor(lang, BASELINE, 'ferry-base'))
      for (const t of [await startPassengerFor(lang, tmp), await startFrontedServer(lang, tmp)]) {
        if ('reason' in t) { skipped.push({ ...t, language: lang.name }); console.log(`  ${lang.name}: ${t.name} skipped: ${t.reason}`) } else targets.push(t)
      }
      const rows = await measure(lang, targets)
      all.push(...rows)
      await stopAll()
    }
    console.log('\nResults (median req/s):')
    for (const r of all) console.log(`  ${r.language.padEnd(7)}${r.name.padEnd(16)}${r.rps.toFixed(0).padStart(7)} req/s  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  errors ${r.errors}  non-2xx ${r.non2xx}   ${r.description}`)
    const lines = [...verdict(all.filter(r => r.language === 'python')), ...verdict(all.filter(r => r.language === 'ruby'))]
    console.log(lines.join('\n'))
    writeJson(RESULTS_FILE, { date: new Date().toISOString(), settings: { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS }, goal: GOAL, rows: all, skipped, verdict: lines.map(l => l.trim()) })
    console.log(`Results written to ${RESULTS_FILE}`)
  } finally {
    await stopAll()
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runLanguagesBench().catch(err => { console.error(`languages bench failed: ${(err as Error).stack ?? String(err)}`); process.exitCode = 1 })
}
