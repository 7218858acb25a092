// PM2's cluster mode, the baseline for Ferry's --bypass: node's cluster module shares the listening socket among
// the app's processes, as bypass does, and PM2 supervises them. PM2 is not a dependency of Ferry: the bench installs
// it with npm into a scratch directory outside the repository (kept between runs, so it is fetched once).
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { HOST, freePort, waitForHttp } from './net.js'
import { start, stop } from './procs.js'
import type { Context, Skipped, Target } from './targets.js'

const execFileAsync = promisify(execFile)
const SCRATCH = join(tmpdir(), 'ferry-bench-pm2')

/** The pm2-runtime script, installed on first use; undefined (with why) when npm cannot install it. */
async function pm2Runtime (): Promise<{ bin: string } | { why: string }> {
  const bin = join(SCRATCH, 'node_modules', 'pm2', 'bin', 'pm2-runtime')
  if (existsSync(bin)) return { bin }
  mkdirSync(SCRATCH, { recursive: true })
  console.log(`  installing pm2 into ${SCRATCH} (npm install --prefix; not a dependency of Ferry)…`)
  try {
    await execFileAsync('npm', ['install', '--prefix', SCRATCH, '--no-audit', '--no-fund', '--loglevel=error', 'pm2'], { timeout: 300_000 })
  } catch (err) {
    return { why: `npm could not install pm2: ${(err as Error).message.split('\n')[0] ?? ''}` }
  }
  return existsSync(bin) ? { bin } : { why: `npm installed pm2 without ${bin}` }
}

/** `pm2-runtime start app.js -i N` (cluster mode, N processes) in the foreground, with its home in the bench's tmp. */
export async function startPm2Cluster (ctx: Context, processes: number): Promise<Target | Skipped> {
  const found = await pm2Runtime()
  if ('why' in found) return { name: 'pm2', reason: found.why }
  const port = await freePort()
  const home = join(ctx.tmp, 'pm2-home')
  mkdirSync(home, { recursive: true })
  // A session of its own (setsid), as PM2 runs when deployed (`pm2 start` daemonizes) and as Ferry starts each app
  // process. In the bench's session its workers would share the scheduler's autogroup with the load generator, which
  // on Linux (sched_autogroup_enabled) favours them: measured on this 2-core machine, under load from other work,
  // ~1.9x the requests/s and ~15% less CPU per request than the same PM2 in a session of its own.
  const m = start('pm2', process.execPath, [found.bin, 'start', join(ctx.appDir, 'app.js'), '-i', String(processes), '--name', 'bench-hello'], {
    cwd: ctx.appDir,
    detached: true,
    env: { ...process.env, PORT: String(port), NODE_ENV: 'production', PM2_HOME: home }
  })
  const url = `http://${HOST}:${port}/`
  try {
    await waitForHttp(url, 30_000, () => m.child.exitCode !== null ? `pm2 exited: ${m.tail()}` : undefined)
    // Both workers listen before the first round (the first to listen answers the probe above).
    await new Promise(resolve => setTimeout(resolve, 1000))
    // pm2-runtime stops its workers when stopped; if it were killed instead, cleanup still finds them.
    for (const pid of childPids(m.pid)) m.extraPids.add(pid)
  } catch (err) {
    await stop(m)
    return { name: 'pm2', reason: `failed to start: ${(err as Error).message.trim()}` }
  }
  return { name: 'pm2', url, description: `pm2-runtime start app.js -i ${processes} (cluster mode; pm2 from npm in ${SCRATCH})` }
}

/** The PIDs of a process's children (its main thread's), from /proc; none where /proc cannot tell. */
function childPids (pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(s => s !== '').map(Number)
  } catch {
    return []
  }
}
