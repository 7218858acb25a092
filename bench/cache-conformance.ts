// How well does the turbocache follow HTTP caching (RFC 9111)? Runs the public test suite that Varnish, nginx and
// the other caches on cache-tests.fyi are measured with, against a real Ferry in front of the suite's own origin
// server, and sets the count of required tests passed beside Varnish's and nginx's from the suite's stored results.
//
// The suite is installed from the npm registry (http-cache-tests@0.4.5) into bench/.suites/ on the first run and
// reused after; it is never a dependency of Ferry. That release is older than the suite's repository: its stored
// results are Varnish 6.4 and nginx 1.18, and a few of its tests predate RFC 9111 (Age parsing). A checkout of the
// repository (its dependencies installed) can be run instead: BENCH_CACHE_TESTS_DIR=DIR.
//
// The origin runs as Ferry's app (a generic app on $PORT, one process: the suite's server keeps each test's state in
// memory), the turbocache on as by default; the suite's client talks to Ferry only. All on 127.0.0.1.
// Environment: BENCH_CACHE_TESTS_DIR (above), BENCH_BASELINE_ROOT=DIR (another built checkout, run the same way),
// BENCH_KEEP_TMP=1. Run alone: node dist/bench/cache-conformance.js
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { harnessErrors, tally, type Results, type Suite, type Tally } from './lib/conformance.js'
import { installCleanupHandlers, registerTempDir, runToEnd, stopAll, wasInterrupted } from './lib/procs.js'
import { writeJson } from './lib/report.js'
import { startFerry } from './lib/targets.js'
import { which } from './lib/which.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'cache-conformance.json')
const PACKAGE = 'http-cache-tests'
const VERSION = '0.4.5'
/** The whole suite takes 15-60 s; a run that hangs is stopped well before the bench's patience runs out. */
const SUITE_TIMEOUT_MS = 10 * 60_000

/** Where the suite's origin server and client are: the npm release and the repository are laid out differently. */
interface SuiteInstall {
  readonly dir: string
  readonly label: string
  readonly server: string
  readonly cli: string
}

function layout (dir: string, label: string): SuiteInstall {
  for (const [server, cli] of [['test-engine/server/server.mjs', 'test-engine/cli.mjs'], ['server/server.mjs', 'cli.mjs']]) {
    if (existsSync(join(dir, server)) && existsSync(join(dir, cli))) return { dir, label, server: join(dir, server), cli: join(dir, cli) }
  }
  throw new Error(`${dir} does not look like the cache-tests suite (no test-engine/cli.mjs or cli.mjs)`)
}

const packageVersion = (dir: string): string | undefined => {
  try { return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version } catch { return undefined }
}

/** The suite from BENCH_CACHE_TESTS_DIR, else the npm release in bench/.suites/ (installed there if missing). */
async function suiteInstall (): Promise<SuiteInstall> {
  const given = process.env.BENCH_CACHE_TESTS_DIR
  if (given !== undefined && given !== '') return layout(given, `cache-tests checkout at ${given} (package.json version ${packageVersion(given) ?? '?'})`)
  const prefix = join(ROOT, 'bench', '.suites', `${PACKAGE}-${VERSION}`)
  const dir = join(prefix, 'node_modules', PACKAGE)
  if (packageVersion(dir) !== VERSION) {
    const npm = which('npm')
    if (npm === undefined) throw new Error('npm is not on PATH: it installs the test suite (or set BENCH_CACHE_TESTS_DIR)')
    console.log(`  installing ${PACKAGE}@${VERSION} into ${prefix} (once; not a dependency of Ferry)`)
    await runToEnd('npm install', npm, ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `${PACKAGE}@${VERSION}`], 5 * 60_000)
  }
  return layout(dir, `${PACKAGE} ${VERSION} from the npm registry`)
}

/**
 * Every test suite the CLI runs: those of tests/index.mjs, and any other module in tests/ that exports one (the
 * npm release's CLI adds its Surrogate-Control suite that way).
 */
async function loadSuites (dir: string): Promise<Suite[]> {
  const load = async (file: string): Promise<unknown> => (await import(pathToFileURL(join(dir, 'tests', file)).href) as { default: unknown }).default
  const suites = [...await load('index.mjs') as Suite[]]
  const known = new Set(suites.flatMap(s => s.tests.map(t => t.id)))
  for (const file of readdirSync(join(dir, 'tests')).filter(f => f.endsWith('.mjs') && f !== 'index.mjs').sort()) {
    const mod = await load(file) as Partial<Suite> | undefined
    if (!Array.isArray(mod?.tests) || mod.tests.some(t => known.has(t.id))) continue
    suites.push(mod as Suite)
    for (const t of mod.tests) known.add(t.id)
  }
  return suites
}

/** The suite's npm-style settings reach it as npm_config_* variables: none of npm's own may leak in. */
function suiteEnv (settings: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(package_)?config_/i.test(k)))
  return { ...env, ...settings }
}

const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`

/** Ferry (the build at `root`) in front of the suite's origin; the suite's client run against it once. */
async function runAgainstFerry (root: string, suite: SuiteInstall): Promise<Results> {
  const tmp = mkdtempSync(join(tmpdir(), 'ferry-bench-conformance-'))
  registerTempDir(tmp)
  try {
    // /dev/null as the origin's pid file: Ferry knows the PID, and the app may run as another user (Ferry as root).
    const command = `env npm_config_port="$PORT" npm_config_protocol=http npm_config_pidfile=/dev/null ${quote(process.execPath)} ${quote(suite.server)}`
    const ferry = await startFerry({ root, appDir: suite.dir, tmp }, { processes: 1, args: ['--app-type', 'generic', '--app-start-command', command] })
    const out = await runToEnd('cache-tests client', process.execPath, ['--no-warnings', suite.cli], SUITE_TIMEOUT_MS, {
      cwd: suite.dir,
      env: suiteEnv({ npm_config_base: ferry.url.replace(/\/$/, ''), npm_config_id: '', npm_package_config_id: '' })
    })
    const json = out.slice(out.indexOf('{'))
    try { return JSON.parse(json) as Results } catch { throw new Error(`the suite's client printed no results:\n${out.slice(-2000)}`) }
  } finally {
    await stopAll() // this Ferry and its app, before the next build runs: they would share the machine's 2 cores
  }
}

function gitDescribe (root: string): string {
  try {
    const head = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== ''
    return dirty ? `${head}+changes` : head
  } catch {
    return 'not a git checkout'
  }
}

interface Row { readonly name: string, readonly tally: Tally }

/** The suite's stored results of another cache, with the version its results index gives. */
async function reference (suite: SuiteInstall, file: string, fallbackName: string): Promise<Row | undefined> {
  const path = join(suite.dir, 'results', file)
  if (!existsSync(path)) return undefined
  let name = fallbackName
  try {
    const index = (await import(pathToFileURL(join(suite.dir, 'results', 'index.mjs')).href) as { default: Array<{ file: string, name: string, version?: string }> }).default
    const entry = index.find(e => e.file === file)
    if (entry !== undefined) name = `${entry.name} ${entry.version ?? ''}`.trim()
  } catch { /* the name alone will do */ }
  return { name: `${name} (suite's stored results)`, tally: tally(await loadSuites(suite.dir), JSON.parse(readFileSync(path, 'utf8')) as Results) }
}

function renderRows (rows: Row[]): string {
  const head = ['', 'passed', 'failed', 'deps not met', 'setup/harness', 'untested', 'unsafe reuses']
  const lines = rows.map(r => [r.name, r.tally.counts.pass, r.tally.counts.fail, r.tally.counts.dependency, harnessErrors(r.tally.counts), r.tally.counts.untested, r.tally.unsafeReuses.length].map(String))
  const width = (i: number): number => Math.max(...[head, ...lines].map(l => l[i].length))
  const fmt = (l: string[]): string => '  ' + l.map((c, i) => i === 0 ? c.padEnd(width(0)) : c.padStart(width(i))).join('  ')
  return [fmt(head), ...lines.map(fmt)].join('\n')
}

export async function runConformanceBench (): Promise<void> {
  installCleanupHandlers()
  console.log('\nHTTP caching conformance (the cache-tests.fyi suite, required tests, through the turbocache)')
  const suite = await suiteInstall()
  const suites = await loadSuites(suite.dir)
  const builds: Array<{ name: string, root: string }> = [{ name: `Ferry, this build (${gitDescribe(ROOT)})`, root: ROOT }]
  const base = process.env.BENCH_BASELINE_ROOT
  if (base !== undefined && base !== '') builds.push({ name: `Ferry at BENCH_BASELINE_ROOT (${gitDescribe(base)})`, root: base })

  const runs: Array<{ name: string, root: string, results: Results, tally: Tally }> = []
  for (const b of builds) {
    const started = Date.now()
    const results = await runAgainstFerry(b.root, suite)
    runs.push({ ...b, results, tally: tally(suites, results) })
    console.log(`  ${b.name}: suite run in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  }
  const references = [await reference(suite, 'varnish.json', 'Varnish'), await reference(suite, 'nginx.json', 'nginx')].filter((r): r is Row => r !== undefined)
  const required = runs[0].tally
  const total = Object.values(required.counts).reduce((a, b) => a + b, 0)
  console.log(`\n  suite: ${suite.label}; ${total} required tests for a reverse proxy (a test whose dependencies failed counts as "deps not met", as on cache-tests.fyi)\n`)
  console.log(renderRows([...runs, ...references]))
  for (const ferry of runs) {
    console.log(`\n  ${ferry.name}: required tests not passed (own result shown; "true" under dependency: a test it depends on failed)`)
    for (const [kind, ids] of Object.entries(ferry.tally.notPassed)) {
      for (const id of ids) {
        const r = ferry.results[id]
        console.log(`    ${kind.padEnd(10)} ${id.padEnd(46)} ${r === undefined || typeof r === 'boolean' ? String(r ?? '') : r[1]}`)
      }
    }
    console.log(`  unsafe reuses (the cache answered where the test required the origin): ${ferry.tally.unsafeReuses.join(', ') || 'none'}`)
  }
  writeJson(RESULTS_FILE, {
    date: new Date().toISOString(),
    suite: { label: suite.label, dir: suite.dir, requiredTests: total },
    ferry: runs.map(r => ({ name: r.name, root: r.root, counts: r.tally.counts, unsafeReuses: r.tally.unsafeReuses, notPassed: r.tally.notPassed, results: r.results })),
    references: references.map(r => ({ name: r.name, counts: r.tally.counts, unsafeReuses: r.tally.unsafeReuses }))
  })
  console.log(`  Results written to ${RESULTS_FILE}`)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runConformanceBench()
    .catch((err: unknown) => { if (!wasInterrupted()) { console.error(err); process.exitCode = 1 } })
    .finally(() => { void stopAll() })
}
