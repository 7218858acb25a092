// `node dist/bench/status.js` (also run by `npm run bench` after the proxy bench): how long does a monitoring
// script wait for `ferry status --show xml`? Each run is a whole CLI invocation (process start, instance lookup in
// the registry, admin API request, XML out), timed from spawn to the end of its output. Passenger's
// `passenger-status --show=xml` is timed the same way when Debian's passenger package is installed, interleaved
// run by run with Ferry's, and so are `ferry memory-stats` and `passenger-memory-stats`. The goal: each Ferry
// command at most as slow as Passenger's (p50). Everything listens on 127.0.0.1.
//
// Environment: BENCH_STATUS_RUNS (timed runs per command, default 20), BENCH_KEEP_TMP=1 (keep logs and registries),
// BENCH_STATUS_BASELINE=DIR (another built Ferry checkout, e.g. the main branch's: its `status --show xml` and
// `memory-stats` are timed too, against the same instance and in the same runs, as the "before" of a change).
import { envInt } from './lib/env.js'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { HOST, freePort, waitForHttp } from './lib/net.js'
import { installCleanupHandlers, isRunning, pidAlive, registerTempDir, start, stop, stopAll, wasInterrupted, type Managed } from './lib/procs.js'
import { median, writeJson } from './lib/report.js'
import { startFerry, type Context } from './lib/targets.js'
import { which } from './lib/which.js'

const execFileAsync = promisify(execFile)

// dist/bench/status.js -> the repository root.
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RESULTS_FILE = join(ROOT, 'bench', 'results', 'latest.json')
const FERRY_BIN = join(ROOT, 'bin', 'run.js')
/** One CLI run that takes longer than this is a hang, not a measurement. */
const RUN_TIMEOUT_MS = 30_000


/** A command timed as a subprocess; `check` says what is wrong with a successful run's stdout, if anything. */
interface Timed {
  readonly name: string
  readonly command: string
  readonly bin: string
  readonly args: string[]
  readonly env: NodeJS.ProcessEnv
  readonly check: (stdout: string) => string | undefined
  readonly samplesMs: number[]
}

const expectXml = (stdout: string): string | undefined =>
  stdout.startsWith('<?xml') ? undefined : `stdout does not start with "<?xml": ${JSON.stringify(stdout.slice(0, 120))}`

/**
 * Runs the command once and returns its wall time in ms: from just before spawn until the process has exited and
 * its output is closed (what a script calling it waits for). Throws if it fails, overruns or prints the wrong thing.
 */
async function timeOnce (t: Timed): Promise<{ ms: number, stdout: string }> {
  const t0 = process.hrtime.bigint()
  const m: Managed = start(t.name, t.bin, t.args, { cwd: ROOT, env: t.env })
  let stdout = ''
  m.child.stdout?.on('data', (b: Buffer) => { stdout += b.toString('utf8') })
  // 'close' comes after 'exit', once stdout and stderr are drained too.
  const closed = new Promise<void>(resolve => { m.child.once('close', () => resolve()) })
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; void stop(m, 1000) }, RUN_TIMEOUT_MS)
  await m.exited
  await closed
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  clearTimeout(timer)
  await stop(m)
  if (timedOut) throw new Error(`${t.command} did not finish within ${RUN_TIMEOUT_MS} ms`)
  if (m.child.exitCode !== 0) throw new Error(`${t.command} exited with ${m.child.exitCode ?? m.child.signalCode ?? '?'}; its last output:\n${m.tail()}`)
  const problem = t.check(stdout)
  if (problem !== undefined) throw new Error(`${t.command}: ${problem}`)
  return { ms, stdout }
}

/** Nearest-rank percentile: with 20 samples p99 is the slowest run, p50 is the 10th. */
function percentile (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.max(0, Math.ceil(p / 100 * s.length) - 1)]
}

interface Row {
  readonly name: string
  readonly command: string
  readonly runs: number
  readonly minMs: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly samplesMs: number[]
}

function summarise (t: Timed): Row {
  const xs = t.samplesMs
  return { name: t.name, command: t.command, runs: xs.length, minMs: Math.min(...xs), p50Ms: median(xs), p99Ms: percentile(xs, 99), maxMs: Math.max(...xs), samplesMs: xs }
}

const round2 = (n: number): number => Math.round(n * 100) / 100

/** What each row is compared with: Ferry's commands with Passenger's, a baseline's with this checkout's. */
const COMPARED: Readonly<Record<string, string>> = {
  'ferry status': 'passenger-status',
  'ferry memory-stats': 'passenger-memory-stats',
  'before: ferry status': 'ferry status',
  'before: ferry memory-stats': 'ferry memory-stats'
}

function renderTable (rows: Row[]): string {
  const header = ['command', 'runs', 'min ms', 'p50 ms', 'p99 ms', 'p50 ratio']
  const body = rows.map(r => {
    const other = rows.find(o => o.name === COMPARED[r.name])
    return [
      r.command, String(r.runs), r.minMs.toFixed(1), r.p50Ms.toFixed(1), r.p99Ms.toFixed(1),
      other === undefined ? '-' : `${(r.p50Ms / other.p50Ms).toFixed(2)}x ${other.name}`
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...body.map(row => row[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ')
  return [line(header), widths.map(w => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}

/** Ferry's banner and readiness come from startFerry; only the registry dir differs, and it travels in the env. */
async function startFerryWithRegistry (ctx: Context, registryDir: string): Promise<string> {
  // startFerry passes process.env to the child as it is when it spawns (before its first await returns), so the
  // variable is set just around that call and restored afterwards.
  const saved = process.env.FERRY_INSTANCE_REGISTRY_DIR
  process.env.FERRY_INSTANCE_REGISTRY_DIR = registryDir
  try {
    const target = await startFerry(ctx)
    return target.description
  } finally {
    if (saved === undefined) delete process.env.FERRY_INSTANCE_REGISTRY_DIR
    else process.env.FERRY_INSTANCE_REGISTRY_DIR = saved
  }
}

interface PassengerInstance {
  readonly url: string
  readonly registryDir: string
  readonly stop: () => Promise<void>
  /** Adds PIDs (its app processes, from passenger-status) that cleanup must reach if `passenger stop` does not. */
  readonly track: (pids: number[]) => void
}

function readPid (path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch { return undefined }
}

/**
 * `passenger start --daemonize`: the CLI returns once the instance runs in the background, so the CLI's process is
 * registered with procs.ts and the daemon's PID (from the pid file) is added to it; stopAll() and Ctrl-C then
 * reach the daemon by PID even when `passenger stop` is never run. The CLI process stays registered until stop.
 */
async function startPassenger (ctx: Context, passenger: string): Promise<PassengerInstance> {
  const port = await freePort()
  const pidFile = join(ctx.tmp, 'passenger.pid')
  const registryDir = join(ctx.tmp, 'passenger-registry')
  mkdirSync(registryDir, { recursive: true })
  const args = ['start', ctx.appDir, '--port', String(port), '--address', HOST, '--engine', 'builtin',
    '--min-instances', '2', '--environment', 'production', '--log-file', join(ctx.tmp, 'passenger.log'),
    '--pid-file', pidFile, '--instance-registry-dir', registryDir, '--daemonize']
  const m = start('passenger start', passenger, args, { cwd: ctx.appDir, env: { ...process.env, PASSENGER_INSTANCE_REGISTRY_DIR: registryDir } })
  const trackDaemon = (): void => { const pid = readPid(pidFile); if (pid !== undefined) m.extraPids.add(pid) }
  let stopped = false
  const stopIt = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    trackDaemon()
    if (existsSync(pidFile)) {
      try {
        await execFileAsync(passenger, ['stop', '--pid-file', pidFile], { timeout: 15_000, env: { ...process.env, PASSENGER_INSTANCE_REGISTRY_DIR: registryDir } })
      } catch (err) {
        console.warn(`  warning: passenger stop failed (${(err as Error).message.split('\n')[0]}); signalling its PIDs`)
      }
    }
    await stop(m) // the CLI if still running, then SIGTERM/SIGKILL whatever of the daemon and its apps is left
  }
  try {
    const deadline = Date.now() + 90_000
    while (isRunning(m)) {
      if (Date.now() >= deadline) throw new Error(`passenger start --daemonize did not return within 90 s; its last output:\n${m.tail()}`)
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    trackDaemon()
    if (m.child.exitCode !== 0) throw new Error(`passenger start exited with ${m.child.exitCode ?? m.child.signalCode ?? '?'}; its last output:\n${m.tail()}`)
    const daemon = readPid(pidFile)
    if (daemon === undefined) throw new Error(`passenger start returned but wrote no PID to ${pidFile}; its last output:\n${m.tail()}`)
    const url = `http://${HOST}:${port}/`
    await waitForHttp(url, 60_000, () => pidAlive(daemon) ? undefined : `Passenger (PID ${daemon}) exited while starting; see ${join(ctx.tmp, 'passenger.log')}`)
    return { url, registryDir, stop: stopIt, track: pids => { for (const p of pids) m.extraPids.add(p) } }
  } catch (err) {
    await stopIt()
    throw err
  }
}

const xmlPids = (xml: string): number[] => [...xml.matchAll(/<pid>(\d+)<\/pid>/g)].map(x => Number(x[1]))

/**
 * Runs the bench; never rejects and never sets the exit code (a failure is printed with its reason), so a caller's
 * results stay as they are. Resolves true if it completed.
 */
export async function runStatusBench (): Promise<boolean> {
  let passenger: PassengerInstance | undefined
  try {
    const runs = envInt('BENCH_STATUS_RUNS', 20)
    console.log('\nFerry status benchmark')
    console.log(`  ${'node:'.padEnd(16)}${process.version}`)
    console.log(`  ${'nproc:'.padEnd(16)}${availableParallelism()}`)
    console.log(`  ${'loadAvgAtStart:'.padEnd(16)}${loadavg().map(l => l.toFixed(2)).join(' ')}`)
    console.log(`  ${'settings:'.padEnd(16)}${runs} timed run(s) per command after 1 untimed warm-up, interleaved, wall time spawn -> exit`)

    const tmp = mkdtempSync(join(tmpdir(), 'ferry-bench-status-'))
    registerTempDir(tmp)
    const ctx: Context = { root: ROOT, appDir: join(ROOT, 'examples', 'hello'), tmp }
    const ferryRegistry = join(tmp, 'ferry-registry')
    mkdirSync(ferryRegistry, { recursive: true })

    console.log('\nTargets:')
    const ferryDescription = await startFerryWithRegistry(ctx, ferryRegistry)
    console.log(`  ${'ferry'.padEnd(10)}${ferryDescription}, registry ${ferryRegistry}`)

    const ferryEnv = { ...process.env, FERRY_INSTANCE_REGISTRY_DIR: ferryRegistry, NO_COLOR: '1' }
    const timed: Timed[] = [
      { name: 'ferry status', command: 'ferry status --show xml', bin: process.execPath, args: [FERRY_BIN, 'status', '--show', 'xml'], env: ferryEnv, check: expectXml, samplesMs: [] }
    ]

    const skipped: Array<{ name: string, reason: string }> = []
    const passengerBin = which('passenger')
    const passengerStatusBin = which('passenger-status')
    if (passengerBin === undefined || passengerStatusBin === undefined) {
      const missing = [passengerBin === undefined ? 'passenger' : '', passengerStatusBin === undefined ? 'passenger-status' : ''].filter(s => s !== '')
      skipped.push({ name: 'passenger', reason: `${missing.join(' and ')} not on PATH (Debian package "passenger" not installed)` })
    } else {
      try {
        passenger = await startPassenger(ctx, passengerBin)
        console.log(`  ${'passenger'.padEnd(10)}${passenger.url}  passenger start --daemonize --engine builtin --min-instances 2, registry ${passenger.registryDir}`)
        timed.push({
          name: 'passenger-status', command: 'passenger-status --show=xml', bin: passengerStatusBin, args: ['--show=xml'],
          env: { ...process.env, PASSENGER_INSTANCE_REGISTRY_DIR: passenger.registryDir }, check: expectXml, samplesMs: []
        })
      } catch (err) {
        skipped.push({ name: 'passenger', reason: `failed to start: ${(err as Error).message.trim()}` })
        passenger = undefined
      }
    }
    // memory-stats reads /proc and needs no instance; passenger-memory-stats neither.
    const expectProcesses = (stdout: string): string | undefined => /Processes/.test(stdout) ? undefined : `no "Processes" in ${JSON.stringify(stdout.slice(0, 120))}`
    timed.push({ name: 'ferry memory-stats', command: 'ferry memory-stats', bin: process.execPath, args: [FERRY_BIN, 'memory-stats'], env: ferryEnv, check: expectProcesses, samplesMs: [] })
    const passengerMemoryBin = which('passenger-memory-stats')
    if (passengerMemoryBin === undefined) skipped.push({ name: 'passenger-memory-stats', reason: 'not on PATH (Debian package "passenger" not installed)' })
    else timed.push({ name: 'passenger-memory-stats', command: 'passenger-memory-stats', bin: passengerMemoryBin, args: [], env: process.env, check: expectProcesses, samplesMs: [] })
    const baseline = process.env.BENCH_STATUS_BASELINE
    if (baseline !== undefined && baseline !== '') {
      const bin = join(resolve(baseline), 'bin', 'run.js')
      if (!existsSync(bin)) throw new Error(`BENCH_STATUS_BASELINE=${baseline}: no bin/run.js there`)
      timed.push({ name: 'before: ferry status', command: `${baseline}: ferry status --show xml`, bin: process.execPath, args: [bin, 'status', '--show', 'xml'], env: ferryEnv, check: expectXml, samplesMs: [] })
      timed.push({ name: 'before: ferry memory-stats', command: `${baseline}: ferry memory-stats`, bin: process.execPath, args: [bin, 'memory-stats'], env: ferryEnv, check: expectProcesses, samplesMs: [] })
    }
    for (const s of skipped) console.log(`  ${s.name.padEnd(10)}skipped: ${s.reason}`)

    // A Passenger command that fails is dropped (reported as skipped); Ferry's failing is the bench failing.
    const dropPassenger = async (name: string, err: unknown): Promise<void> => {
      skipped.push({ name, reason: `failed: ${(err as Error).message.trim()}` })
      const idx = timed.findIndex(t => t.name === name)
      if (idx >= 0) timed.splice(idx, 1)
      if (name === 'passenger-status') {
        await passenger?.stop()
        passenger = undefined
      }
      console.log(`  ${name} dropped: ${(err as Error).message.trim()}`)
    }

    // Warm-up: proves each command works against its instance before anything is timed (disk cache, JIT caches).
    for (const t of [...timed]) {
      try {
        const { stdout } = await timeOnce(t)
        if (t.name === 'passenger-status') passenger?.track(xmlPids(stdout))
      } catch (err) {
        if (t.name.startsWith('passenger')) await dropPassenger(t.name, err)
        else throw err
      }
    }

    console.log('\nMeasuring:')
    for (let i = 1; i <= runs; i++) {
      // Interleaved, and the order flips every run so no command always runs right after the same one.
      const order = i % 2 === 1 ? [...timed] : [...timed].reverse()
      const line: string[] = []
      for (const t of order) {
        try {
          const { ms } = await timeOnce(t)
          t.samplesMs.push(ms)
          line.push(`${t.name} ${ms.toFixed(1).padStart(7)} ms`)
        } catch (err) {
          if (t.name.startsWith('passenger')) await dropPassenger(t.name, err)
          else throw err
        }
      }
      console.log(`  run ${String(i).padStart(String(runs).length)}/${runs}  ${line.join('  ')}`)
    }

    const rows = timed.map(summarise)
    console.log(`\nResults (${runs} runs each; p99 is nearest-rank, so with few runs it is the slowest run):\n`)
    console.log(renderTable(rows))
    const ferry = rows.find(r => r.name === 'ferry status')
    const pst = rows.find(r => r.name === 'passenger-status')
    const ferryMem = rows.find(r => r.name === 'ferry memory-stats')
    const pms = rows.find(r => r.name === 'passenger-memory-stats')
    if (ferryMem !== undefined && pms !== undefined) {
      console.log(`\n  ferry memory-stats / passenger-memory-stats (p50): ${(ferryMem.p50Ms / pms.p50Ms).toFixed(2)}x  (p99: ${(ferryMem.p99Ms / pms.p99Ms).toFixed(2)}x)`)
    }
    if (ferry !== undefined && pst !== undefined) {
      console.log(`\n  ferry status / passenger-status (p50): ${(ferry.p50Ms / pst.p50Ms).toFixed(2)}x  (p99: ${(ferry.p99Ms / pst.p99Ms).toFixed(2)}x; below 1 means Ferry is faster)`)
    } else {
      console.log('\n  ferry status / passenger-status: not measured (passenger skipped)')
    }
    console.log(`\nload average now: ${loadavg().map(l => l.toFixed(2)).join(' ')}`)

    // Added under its own key to the proxy bench's results file, whose content is left as it is; no file, no write.
    const section = {
      date: new Date().toISOString(),
      node: process.version,
      runs,
      loadAvgAtEnd: loadavg().map(l => l.toFixed(2)).join(' '),
      // Rounded only here, so the table and the per-run lines print the same figures the JSON rounds from.
      commands: rows.map(r => ({ ...r, minMs: round2(r.minMs), p50Ms: round2(r.p50Ms), p99Ms: round2(r.p99Ms), maxMs: round2(r.maxMs), samplesMs: r.samplesMs.map(round2) })),
      skipped,
      ferryVsPassengerP50: ferry !== undefined && pst !== undefined ? Math.round(ferry.p50Ms / pst.p50Ms * 1000) / 1000 : null,
      memoryStatsVsPassengerP50: ferryMem !== undefined && pms !== undefined ? Math.round(ferryMem.p50Ms / pms.p50Ms * 1000) / 1000 : null
    }
    try {
      const existing = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as unknown
      if (typeof existing !== 'object' || existing === null || Array.isArray(existing)) throw new Error('not a JSON object')
      writeJson(RESULTS_FILE, { ...existing, statusBench: section })
      console.log(`Results added to ${RESULTS_FILE} (key "statusBench")`)
    } catch (err) {
      console.log(`Results not written to ${RESULTS_FILE}: ${(err as Error).message.split('\n')[0]}`)
    }
    return true
  } catch (err) {
    if (!wasInterrupted()) console.error(`\nstatus bench failed: ${(err as Error).stack ?? String(err)}`)
    return false
  } finally {
    await passenger?.stop()
    await stopAll()
  }
}

async function main (): Promise<void> {
  installCleanupHandlers()
  if (!await runStatusBench()) process.exitCode = 1
}

// Run when executed directly (node dist/bench/status.js), not when imported by the proxy bench.
const invoked = process.argv[1]
const isMain = invoked !== undefined && (() => {
  try { return pathToFileURL(realpathSync(resolve(invoked))).href === pathToFileURL(realpathSync(fileURLToPath(import.meta.url))).href } catch { return false }
})()
if (isMain) {
  await main()
}
