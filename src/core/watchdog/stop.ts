// `ferry stop`: finds the instance's watchdog (by registry name, or through its pid file), asks it to stop
// (SIGTERM) and waits until it has exited.
import { rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { FerryError } from '../errors.js'
import { listInstances, registryDirFrom, selectInstance } from '../instance/registry.js'
import { defaultPidFile, type PathOptions } from './paths.js'
import { isAlive, readLivePid } from './pid-file.js'

export interface StopResult { readonly pid: number, readonly name?: string }

/** The watchdog PID of the instance named NAME (a unique prefix of a registry name). */
function pidByName (o: PathOptions, name: string): { pid: number, name: string } {
  const registryDir = registryDirFrom({ instanceRegistryDir: o.instanceRegistryDir, env: process.env })
  const instance = selectInstance(listInstances(registryDir).live, name, { registryDir, command: 'stop' })
  return { pid: instance.watchdog_pid, name: instance.name }
}

function pidByFile (o: PathOptions): number {
  const pidFile = defaultPidFile(o)
  const pid = readLivePid(pidFile)
  if (pid === undefined) {
    rmSync(pidFile, { force: true })
    throw new FerryError('E_NOT_RUNNING', `no running Ferry found through pid file ${pidFile}: check --port, or pass the --pid-file the instance was started with`)
  }
  return pid
}

export async function stopInstance (o: PathOptions & { name?: string }, timeoutMs = 60_000): Promise<StopResult> {
  const target = o.name !== undefined ? pidByName(o, o.name) : { pid: pidByFile(o), name: undefined }
  const pid = target.pid
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new FerryError('E_STOP_TIMEOUT', `Ferry (PID ${pid}) did not stop within ${timeoutMs / 1000} s; see its log, or kill it with \`kill -9 ${pid}\``)
    await sleep(50)
  }
  return target
}
