// Starting each server the bench measures. Each start function returns once the target answers 200 over HTTP on
// 127.0.0.1, and registers every process it starts with procs.ts so cleanup can find it.
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { HOST, freePort, waitForHttp } from './net.js'
import { isRunning, start, stop, type Managed } from './procs.js'
import { which } from './which.js'

const execFileAsync = promisify(execFile)

export interface Context {
  /** The repository root (where bin/run.js and examples/ are). */
  readonly root: string
  /** The example app's directory. */
  readonly appDir: string
  /** A private temp dir for configs, logs and pid files. */
  readonly tmp: string
  /** More `ferry start` options for the Ferry target (say, --metrics-address 127.0.0.1:0 to measure what it costs). */
  readonly ferryArgs?: readonly string[]
}

export interface Target {
  readonly name: string
  readonly url: string
  readonly description: string
  /** The PID of the process that answers clients (Ferry's core, Passenger's core), for its CPU time; when known. */
  readonly corePid?: () => number | undefined
}

export interface Skipped {
  readonly name: string
  readonly reason: string
}

/** Both pool bounds at 2, so Ferry (and Passenger) run exactly two app processes for the whole run. */
const POOL_SIZE = '2'

/** "<name> exited (code 1)" plus its last output, if the process is gone; undefined while it still runs. */
function deathNotice (m: Managed): string | undefined {
  if (isRunning(m)) return undefined
  const how = m.child.signalCode !== null ? `signal ${m.child.signalCode}` : `code ${m.child.exitCode ?? '?'}`
  return `${m.name} exited (${how}) while starting; its last output:\n${m.tail()}`
}

export async function ready (m: Managed, url: string, timeoutMs: number): Promise<void> {
  try {
    await waitForHttp(url, timeoutMs, () => deathNotice(m))
  } catch (err) {
    const msg = (err as Error).message
    throw new Error(msg.includes('last output') ? msg : `${msg}\n${m.name}'s last output:\n${m.tail()}`)
  }
}

/** For optional baselines: one that fails to start is stopped at once and reported as skipped, not fatal. */
export async function readyOrSkip (m: Managed, url: string, timeoutMs: number): Promise<Skipped | undefined> {
  try {
    await ready(m, url, timeoutMs)
    return undefined
  } catch (err) {
    await stop(m)
    return { name: m.name, reason: `failed to start: ${(err as Error).message.trim()}` }
  }
}

// NODE_ENV as Ferry gives it to the app (its default --environment is production), so both run the same code path.
const appEnv = (port: number): NodeJS.ProcessEnv => ({ ...process.env, PORT: String(port), NODE_ENV: 'production' })

export async function startDirect (ctx: Context): Promise<Target> {
  const port = await freePort()
  // The app listens on PORT with no host; the bench only ever talks to it over loopback.
  const m = start('direct app', process.execPath, [join(ctx.appDir, 'app.js')], { cwd: ctx.appDir, env: appEnv(port) })
  const url = `http://${HOST}:${port}/`
  await ready(m, url, 15_000)
  return { name: 'direct', url, description: 'node examples/hello/app.js (one process, no proxy)' }
}

// The banner is written once, in whole lines; chalk leaves colour out when stdout is a pipe, but strip it anyway.
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex

/** Follows a Ferry's output: its banner (URL and PIDs) and how many app processes reported ready. */
export function watchFerry (m: Managed): { banner: () => { url: string, watchdog: number, core: number } | undefined, appsReady: () => number } {
  let pending = ''
  let appsReady = 0
  let banner: { url: string, watchdog: number, core: number } | undefined
  let bannerUrl: string | undefined
  // Parsed line by line: a chunk may end mid-line.
  m.onOutput(chunk => {
    const lines = (pending + chunk).split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines.map(stripAnsi)) {
      // Every PID Ferry reports is remembered, so cleanup reaches its processes even if the watchdog dies first.
      const app = /app process (\d+) of .* is ready/.exec(line)
      if (app !== null) { m.extraPids.add(Number(app[1])); appsReady++ }
      const url = /^\s*URL:\s+(\S+)/.exec(line)
      if (url !== null) bannerUrl = url[1]
      const pids = /^\s*PID:\s+(\d+) \(watchdog\), (\d+) \(core\)/.exec(line)
      if (pids !== null && banner === undefined) {
        banner = { url: bannerUrl ?? '?', watchdog: Number(pids[1]), core: Number(pids[2]) }
        m.extraPids.add(banner.core)
      }
    }
  })
  return { banner: () => banner, appsReady: () => appsReady }
}

/** Waits for the banner, then for every app process (else the first rounds would measure fewer). */
export async function ferryReady (m: Managed, w: ReturnType<typeof watchFerry>, processes = Number(POOL_SIZE)): Promise<void> {
  await waitFor(() => w.banner() !== undefined, 30_000, () => deathNotice(m), () => `no Ferry banner within 30 s; last output:\n${m.tail()}`)
  // The count comes from a log line whose wording is Ferry's to change: if it is not seen, warn rather than fail.
  try {
    await waitFor(() => w.appsReady() >= processes, 15_000, () => deathNotice(m), () => `only ${w.appsReady()} of ${processes} Ferry app processes reported ready within 15 s`)
  } catch (err) {
    if (deathNotice(m) !== undefined) throw err
    console.warn(`  warning: ${(err as Error).message}; measuring anyway`)
  }
}

export interface FerryStartOptions {
  /** App processes, the pool's both bounds (default 2). */
  readonly processes?: number
  /** More `ferry start` flags (an app type and start command, say). */
  readonly args?: readonly string[]
}

export async function startFerry (ctx: Context, options: FerryStartOptions = {}): Promise<Target> {
  const port = await freePort()
  const size = String(options.processes ?? POOL_SIZE)
  const args = [join(ctx.root, 'bin', 'run.js'), 'start', ctx.appDir, '--port', String(port), '--address', HOST,
    '--min-instances', size, '--max-pool-size', size, ...ctx.ferryArgs ?? [], ...(options.args ?? [])]
  const m = start('ferry', process.execPath, args, { cwd: ctx.root, env: { ...process.env, NO_COLOR: '1' } })
  const w = watchFerry(m)
  const url = `http://${HOST}:${port}/`
  await ferryReady(m, w, Number(size))
  await ready(m, url, 15_000)
  const banner = w.banner()
  if (banner !== undefined && banner.url !== url.slice(0, -1)) throw new Error(`Ferry's banner says ${banner.url}, expected ${url}`)
  return {
    name: 'ferry',
    url,
    corePid: () => banner?.core,
    description: `ferry start --min-instances ${size} --max-pool-size ${size} (watchdog ${banner?.watchdog ?? '?'}, core ${banner?.core ?? '?'}, apps ${[...m.extraPids].filter(p => p !== banner?.core).join(', ')})`
  }
}

/**
 * Flying mode as docs/nginx.md sets it up: `ferry fly` on a Unix socket with the app in a config file, nginx in
 * front with keep-alive connections to it. Compared with nginx in front of the direct app, it is what Ferry costs
 * in the deployment it is made for.
 */
export async function startFlyBehindNginx (ctx: Context): Promise<Target | Skipped> {
  const bin = which('nginx')
  if (bin === undefined) return { name: 'nginx+fly', reason: 'nginx is not on PATH' }
  const dir = join(ctx.tmp, 'fly')
  mkdirSync(dir, { recursive: true })
  const socket = join(dir, 'ferry.sock')
  const config = join(dir, 'ferry.json')
  writeFileSync(config, JSON.stringify({ 'max-pool-size': Number(POOL_SIZE), apps: [{ root: ctx.appDir, 'min-instances': Number(POOL_SIZE) }] }))
  const fly = start('ferry fly', process.execPath, [join(ctx.root, 'bin', 'run.js'), 'fly', '--socket-file', socket, '--config', config],
    { cwd: ctx.root, env: { ...process.env, NO_COLOR: '1' } })
  await ferryReady(fly, watchFerry(fly))
  const started = await runNginx(bin, 'nginx+fly', join(dir, 'nginx'), `unix:${socket}`)
  if (typeof started !== 'string') { await stop(fly); return started }
  return { name: 'nginx+fly', url: started, description: `nginx (as above) -> ferry fly --socket-file (app from --config, ${POOL_SIZE} processes)` }
}

/** nginx with its own prefix dir in front of `upstream`; its URL once it answers, or why it was skipped. */
export async function runNginx (bin: string, name: string, prefix: string, upstream: string): Promise<string | Skipped> {
  mkdirSync(prefix, { recursive: true })
  const port = await freePort()
  const conf = join(prefix, 'nginx.conf')
  writeFileSync(conf, nginxConfig(prefix, port, upstream))
  // -e: without it nginx opens its compiled-in error log (/var/log/nginx) before reading the config.
  const m = start(name, bin, ['-p', `${prefix}/`, '-c', conf, '-e', join(prefix, 'error.log')])
  const url = `http://${HOST}:${port}/`
  return await readyOrSkip(m, url, 15_000) ?? url
}

async function waitFor (done: () => boolean, timeoutMs: number, failed: () => string | undefined, timeoutMessage: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    const why = failed()
    if (why !== undefined) throw new Error(why)
    if (Date.now() >= deadline) throw new Error(timeoutMessage())
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/**
 * nginx.conf for a single-process keep-alive reverse proxy: everything it writes stays in its own prefix dir.
 * `upstream`: the app's URL, or `unix:PATH` for a Unix socket.
 */
function nginxConfig (prefix: string, port: number, upstream: string): string {
  const upstreamHostPort = upstream.startsWith('unix:') ? upstream : new URL(upstream).host
  return `daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream direct_app {
    server ${upstreamHostPort};
    keepalive 64;
  }
  server {
    listen ${HOST}:${port};
    location / {
      proxy_pass http://direct_app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
    }
  }
}
`
}

/** nginx in front of the DIRECT app: what a plain keep-alive reverse proxy costs on this machine. */
export async function startNginx (ctx: Context, direct: Target): Promise<Target | Skipped> {
  const bin = which('nginx')
  if (bin === undefined) return { name: 'nginx', reason: 'nginx is not on PATH' }
  const url = await runNginx(bin, 'nginx', join(ctx.tmp, 'nginx'), direct.url)
  if (typeof url !== 'string') return url
  return { name: 'nginx', url, description: `nginx (1 process, upstream keepalive 64) -> direct app ${direct.url}` }
}

/** Options for a Passenger target: its name in the report, and an instance registry of its own (for passenger-status). */
export interface PassengerOptions {
  readonly name?: string
  readonly registryDir?: string
}

/**
 * Debian's Phusion Passenger Standalone with its builtin engine, sized like Ferry: the system Ferry imitates.
 * Turbocaching is on (Passenger's default). Its security update check and telemetry are turned off: the bench
 * talks to loopback only.
 */
export async function startPassenger (ctx: Context, o: PassengerOptions = {}): Promise<Target | Skipped> {
  const name = o.name ?? 'passenger'
  const bin = which('passenger')
  if (bin === undefined) return { name, reason: 'passenger is not on PATH (Debian package "passenger" not installed)' }
  const port = await freePort()
  const pidFile = join(ctx.tmp, `${name.replace(/\W+/g, '-')}.pid`)
  const registry = o.registryDir === undefined ? [] : ['--instance-registry-dir', o.registryDir]
  if (o.registryDir !== undefined) mkdirSync(o.registryDir, { recursive: true })
  const env = o.registryDir === undefined ? process.env : { ...process.env, PASSENGER_INSTANCE_REGISTRY_DIR: o.registryDir }
  const args = ['start', ctx.appDir, '--port', String(port), '--address', HOST, '--min-instances', POOL_SIZE,
    '--max-pool-size', POOL_SIZE, '--environment', 'production', '--engine', 'builtin',
    '--disable-security-update-check', '--disable-anonymous-telemetry', ...registry,
    '--log-file', join(ctx.tmp, `${name.replace(/\W+/g, '-')}.log`), '--pid-file', pidFile]
  const m = start(name, bin, args, { cwd: ctx.appDir, env })
  // `passenger stop` shuts down the whole instance (agents and app processes), which a signal to the CLI may not.
  m.gracefulStop = async () => { await execFileAsync(bin, ['stop', '--pid-file', pidFile], { timeout: 10_000, env }) }
  const url = `http://${HOST}:${port}/`
  const failure = await readyOrSkip(m, url, 60_000)
  if (failure !== undefined) return failure
  return { name, url, corePid: () => passengerCorePid(pidFile), description: `passenger start --engine builtin --min-instances ${POOL_SIZE} --max-pool-size ${POOL_SIZE}` }
}

/** Passenger's core: the child of its watchdog (whose PID is in the pid file) named "Passenger core". */
function passengerCorePid (pidFile: string): number | undefined {
  try {
    const watchdog = readFileSync(pidFile, 'utf8').trim()
    for (const child of readFileSync(`/proc/${watchdog}/task/${watchdog}/children`, 'utf8').trim().split(' ')) {
      if (readFileSync(`/proc/${child}/cmdline`, 'utf8').startsWith('Passenger core')) return Number(child)
    }
  } catch { /* not found */ }
  return undefined
}

/** Linux reports utime and stime in clock ticks of 1/100 s (USER_HZ). */
export const TICK_US = 10_000

/** utime + stime of a process, in clock ticks; undefined once it is gone. */
export function cpuTicks (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch { return undefined }
}

/**
 * Passenger's turbocache counters (summed over its core's threads: each has a cache of its own), from
 * `passenger-status --show=server` on the instance in `registryDir`; undefined when they cannot be read. Passenger
 * resets them now and then (it judges its hit ratio over a window), so they cover the last stretch only.
 */
export async function passengerTurbocacheStats (registryDir: string): Promise<{ hits: number, fetches: number } | undefined> {
  const bin = which('passenger-status')
  if (bin === undefined) return undefined
  try {
    const { stdout } = await execFileAsync(bin, ['--show=server', '--no-header'], { timeout: 15_000, env: { ...process.env, PASSENGER_INSTANCE_REGISTRY_DIR: registryDir } })
    const doc = JSON.parse(stdout.slice(stdout.indexOf('{'))) as Record<string, { turbocaching?: { hits?: number, fetches?: number } }>
    const sum = { hits: 0, fetches: 0 }
    for (const thread of Object.values(doc)) {
      const t = thread?.turbocaching
      if (typeof t?.hits === 'number' && typeof t.fetches === 'number') { sum.hits += t.hits; sum.fetches += t.fetches }
    }
    return sum.fetches > 0 ? sum : undefined
  } catch {
    return undefined
  }
}

export const isSkipped = (t: Target | Skipped): t is Skipped => 'reason' in t
