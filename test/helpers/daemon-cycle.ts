// One daemonized start as an operator does it, checked end to end: `ferry start -d` returns 0 with the banner, the
// instance serves, `ferry stop` returns 0, and every process the instance had (watchdog, core, apps) is gone after.
// Shared by test/cli/daemon-handoff.test.ts (a few rounds) and bench/daemon-starts.ts (50 rounds per shape).
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import { runCli } from './cli.js'
import { fixtureApp } from './tmp.js'
import { childPids, isAlive, waitFor } from './procs.js'
import { freePort } from './http.js'

export interface CycleShape {
  /** Label for reports, e.g. "1 process" or "3 apps". */
  readonly label: string
  /** App processes pre-started (per app). */
  readonly minInstances: number
  /** 0: `ferry start APP_DIR`; n > 0: a --config file listing n apps. */
  readonly apps: number
}

export const SHAPES: readonly CycleShape[] = [
  { label: '1 process', minInstances: 1, apps: 0 },
  { label: '2 processes', minInstances: 2, apps: 0 },
  { label: '4 processes', minInstances: 4, apps: 0 },
  { label: '3 apps x 1 process', minInstances: 1, apps: 3 }
]

function status (port: number, host: string): Promise<number | undefined> {
  return new Promise(resolve => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 10_000 }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(undefined))
    req.end()
  })
}

/** Every descendant of `pid`, read from /proc (the core runs in its own group, so a group kill would miss some). */
function descendants (pid: number): number[] {
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const c of childPids(queue.shift()!)) { out.push(c); queue.push(c) }
  }
  return out
}

function logTail (path: string, lines = 5): string {
  try { return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join(' | ') } catch { return '(none)' }
}

/** Runs one start/serve/stop round; resolves undefined when everything held, else what went wrong. */
export async function daemonCycle (shape: CycleShape): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'fy-daemon-'))
  chmodSync(dir, 0o755) // apps of a root-owned directory may run as nobody (see identity.ts): let them in
  const port = await freePort()
  const pidFile = join(dir, 'ferry.pid')
  const logFile = join(dir, 'ferry.log')
  const hosts: string[] = []
  const args = ['start', '-d', '--address', '127.0.0.1', '--port', String(port), '--pid-file', pidFile, '--log-file', logFile,
    '--instance-registry-dir', dir, '--min-instances', String(shape.minInstances)]
  if (shape.apps === 0) {
    args.splice(1, 0, fixtureApp('hello'))
    hosts.push('localhost')
  } else {
    const apps = []
    for (let i = 0; i < shape.apps; i++) {
      cpSync(fixtureApp('named'), join(dir, `app${i}`), { recursive: true })
      apps.push({ root: `app${i}`, server_names: [`app${i}.test`], 'min-instances': shape.minInstances })
      hosts.push(`app${i}.test`)
    }
    writeFileSync(join(dir, 'ferry.json'), JSON.stringify({ 'max-pool-size': shape.apps * shape.minInstances + 1, apps }))
    args.push('--config', join(dir, 'ferry.json'))
  }
  let watchdog = 0
  try {
    const started = await runCli(args, { timeoutMs: 60_000 })
    if (started.code !== 0) return `start exited ${String(started.code)}: ${started.stderr.trim().split('\n').slice(-3).join(' | ')}; log: ${logTail(logFile, 12)}`
    if (!/Stop:\s+ferry stop/.test(started.stdout)) return `no banner: ${started.stdout}`
    watchdog = Number(readFileSync(pidFile, 'utf8'))
    for (const host of hosts) {
      const code = await status(port, host)
      if (code !== 200) return `GET / (Host ${host}) answered ${String(code)}${isAlive(watchdog) ? '' : ' (watchdog dead)'}; log: ${logTail(logFile)}`
    }
    // Start-up ends with the first app process; the others are still coming. Stop once all are up, so none is missed.
    const expected = 2 + shape.minInstances * Math.max(1, shape.apps)
    try {
      await waitFor(() => descendants(watchdog).length + 1 >= expected, 20_000, 'every app process')
    } catch {
      return `only ${descendants(watchdog).length + 1} of ${expected} processes under the watchdog`
    }
    const procs = [watchdog, ...descendants(watchdog)]
    const stopped = await runCli(['stop', '--pid-file', pidFile], { timeoutMs: 60_000 })
    if (stopped.code !== 0) return `stop exited ${String(stopped.code)}: ${stopped.stderr.trim()}`
    try {
      await waitFor(() => procs.every(p => !isAlive(p)), 10_000, 'every process to exit')
    } catch {
      return `left running after stop: ${procs.filter(isAlive).join(' ')}`
    }
    const log = readFileSync(logFile, 'utf8')
    if (/EPIPE|Unhandled|TypeError/.test(log)) return `the log has an error: ${/.*(EPIPE|Unhandled|TypeError).*/.exec(log)?.[0] ?? ''}`
    watchdog = -1
    return undefined
  } finally {
    // A start that failed may still have left a daemon running (the CLI crashed after forking it): stop it by PID.
    if (watchdog === 0 && existsSync(pidFile)) watchdog = Number(readFileSync(pidFile, 'utf8')) || 0
    if (watchdog > 0 && isAlive(watchdog)) process.kill(watchdog, 'SIGTERM')
    if (watchdog > 0) await waitFor(() => !isAlive(watchdog), 10_000).catch(() => { try { process.kill(watchdog, 'SIGKILL') } catch {} })
    rmSync(dir, { recursive: true, force: true })
  }
}
