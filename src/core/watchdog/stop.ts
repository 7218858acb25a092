// `ferry stop`: finds the instance's watchdog (by registry name, or through its pid file), asks it to stop
// (SIGTERM) and waits until it has exited.
import { lstatSync, rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { FerryError } from '../errors.js'
import { listInstances, refuseUntrusted, registryDirFrom, selectInstance, type InstanceRecord, type ListResult } from '../instance/registry.js'
import { listensOn } from '../instance/listens-on.js'
import { defaultPidFile, type PathOptions } from './paths.js'
import { inspectPidFile, isAlive } from './pid-file.js'
import { myUid } from '../instance/file-trust.js'

export interface StopResult {
  readonly pid: number
  readonly name?: string | undefined
  /** Stale instance directories removed on the way (their watchdog was gone). */
  readonly cleaned: readonly string[]
}

/** The watchdog PID of the instance named NAME (a unique prefix of a registry name); never one of an untrusted directory. */
function pidByName (registryDir: string, list: ListResult, name: string): { pid: number, name: string } {
  refuseUntrusted(list.live, list.untrusted, name)
  const instance = selectInstance(list.live, name, { registryDir, command: 'stop' })
  return { pid: instance.watchdog_pid, name: instance.name }
}

/**
 * The watchdog PID in the pid file, checked to be that watchdog before anything is signalled. A stale file (dead,
 * reused or foreign PID) is E_NOT_RUNNING (exit 7) saying why; it is removed when it is the caller's own file.
 */
function pidByFile (o: PathOptions): number {
  const pidFile = defaultPidFile(o)
  const state = inspectPidFile(pidFile)
  if (state.kind === 'watchdog') return state.pid
  if (state.kind === 'none') {
    throw new FerryError('E_NOT_RUNNING', `no running Ferry found through pid file ${pidFile}: check --port, or pass the --pid-file the instance was started with`)
  }
  const st = lstatSync(pidFile, { throwIfNoEntry: false })
  if (st?.isFile() === true && st.uid === myUid()) rmSync(pidFile, { force: true })
  throw new FerryError('E_NOT_RUNNING', `pid file ${pidFile} is stale: ${state.why}; nothing was signalled`)
}

/**
 * Through the pid file; without a live one (and no --pid-file given), the registry's instance listening on the
 * port or socket: a foreground instance has no pid file, but the registry knows its address.
 */
function byFileOrAddress (o: PathOptions, live: readonly InstanceRecord[]): { pid: number, name: string | undefined } {
  try {
    return { pid: pidByFile(o), name: undefined }
  } catch (err) {
    const filter = o.pidFile === undefined ? listensOn(o) : undefined
    const found = filter === undefined ? [] : live.filter(filter.test)
    if (found.length !== 1) throw err
    return { pid: found[0]!.watchdog_pid, name: found[0]!.name }
  }
}

export async function stopInstance (o: PathOptions & { name?: string }, timeoutMs = 60_000): Promise<StopResult> {
  const registryDir = registryDirFrom({ instanceRegistryDir: o.instanceRegistryDir, env: process.env })
  const list = listInstances(registryDir)
  const target = { ...(o.name !== undefined ? pidByName(registryDir, list, o.name) : byFileOrAddress(o, list.live)), cleaned: list.cleaned }
  const pid = target.pid
  try {
    process.kill(pid, 'SIGTERM')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err
    throw new FerryError('E_NOT_AUTHORIZED', `you may not signal Ferry (PID ${pid}): run this as the instance's user or with sudo`, { cause: err })
  }
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new FerryError('E_STOP_TIMEOUT', `Ferry (PID ${pid}) did not stop within ${timeoutMs / 1000} s; see its log, or kill it with \`kill -9 ${pid}\``)
    await sleep(50)
  }
  return target
}
