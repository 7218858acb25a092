// `ferry stop`: finds the instance's watchdog through its pid file, asks it to stop (SIGTERM) and waits.
import { rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { FerryError } from '../errors.js'
import { defaultPidFile, isValidInstanceName, type PathOptions } from './paths.js'
import { isAlive, readLivePid } from './pid-file.js'

export interface StopResult { readonly pid: number, readonly pidFile: string }

export async function stopInstance (o: PathOptions, timeoutMs = 60_000): Promise<StopResult> {
  if (o.name !== undefined && !isValidInstanceName(o.name)) {
    throw new FerryError('E_USAGE', `"${o.name}" is not an instance name: use the name the start banner showed, e.g. ferry.3000`)
  }
  const pidFile = defaultPidFile(o)
  const pid = readLivePid(pidFile)
  if (pid === undefined) {
    rmSync(pidFile, { force: true })
    throw new FerryError('E_NOT_RUNNING', `no running Ferry found through pid file ${pidFile}: check --port, or pass the --pid-file the instance was started with`)
  }
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new FerryError('E_STOP_TIMEOUT', `Ferry (PID ${pid}) did not stop within ${timeoutMs / 1000} s; see its log, or kill it with \`kill -9 ${pid}\``)
    await sleep(50)
  }
  return { pid, pidFile }
}
