// Real processes for the liveness rules: a PID that has exited, and a process titled like a watchdog.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { TestContext } from 'node:test'
import { cmdline, waitFor } from '../../helpers/procs.js'

/** The PID of a process that has exited (and been reaped). */
export async function deadPid (): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await once(child, 'exit')
  return child.pid!
}

/** A live process whose title is `title` (default 'Ferry watchdog'), killed after the test. */
export async function fakeWatchdog (t: TestContext, title = 'Ferry watchdog'): Promise<number> {
  const child = spawn(process.execPath, ['-e', `process.title=${JSON.stringify(title)}; setInterval(()=>{},1000)`], { stdio: 'ignore' })
  t.after(() => { child.kill('SIGKILL') })
  const pid = child.pid!
  await waitFor(() => { try { return cmdline(pid).startsWith(title) } catch { return false } }, 10_000, `title of ${pid}`)
  return pid
}
