// `ferry status`'s core: pick the instance, fetch the view from its admin API, and when the API does not answer,
// read what the process table shows about that instance instead.
import { FerryError } from '../errors.js'
import { listInstances, refuseUntrusted, registryDirFrom, selectInstance, type InstanceRecord } from '../instance/registry.js'
import { scanProcesses, type ProcessInfo } from '../inspect/scan.js'
import { readStat } from '../inspect/proc.js'
import { adminRequest } from './admin-client.js'
import type { AddressFilter } from '../instance/listens-on.js'

export const SHOW = ['pool', 'xml', 'json', 'server', 'requests'] as const
export type Show = typeof SHOW[number]

const PATHS: Readonly<Record<Show, string>> = {
  pool: '/pool.txt', xml: '/pool.xml', json: '/pool.json', server: '/server.json', requests: '/requests.json'
}

export interface Selected {
  readonly instance: InstanceRecord
  readonly cleaned: readonly string[]
  readonly warnings: readonly string[]
}

/**
 * Selects the instance; E_INSTANCE_NOT_FOUND / E_INSTANCE_AMBIGUOUS carry the list for the CLI to show. `command` is
 * how the error tells the user to name one (`ferry <command> <NAME>`).
 */
export function selectForStatus (name: string | undefined, instanceRegistryDir: string | undefined, command = 'status',
  where?: AddressFilter): Selected & { all: readonly InstanceRecord[] } {
  const registryDir = registryDirFrom({ instanceRegistryDir, env: process.env })
  const { live, untrusted, cleaned, warnings } = listInstances(registryDir)
  // Only the instances at the address asked for (--port, --socket) are candidates.
  const candidates = where === undefined ? live : live.filter(where.test)
  try {
    // An untrusted directory's address is not read, so only a name (or nothing) can mean one.
    if (where === undefined) refuseUntrusted(live, untrusted, name)
    if (where !== undefined && candidates.length === 0 && live.length > 0) {
      throw new FerryError('E_INSTANCE_NOT_FOUND', `no running Ferry instance ${where.what}: running instances are ${live.map(i => i.name).join(', ')}`)
    }
    return { instance: selectInstance(candidates, name, { registryDir, command }), all: live, cleaned, warnings }
  } catch (err) {
    const e = err as FerryError
    if (e.code === 'E_INSTANCE_UNTRUSTED' || e.code === 'E_NOT_AUTHORIZED') throw Object.assign(e, { instances: candidates, cleaned, warnings })
    const code = candidates.length > 1 && name === undefined ? 'E_INSTANCE_AMBIGUOUS' : 'E_INSTANCE_NOT_FOUND'
    throw Object.assign(new FerryError(code, e.message, { cause: err }), { instances: candidates, cleaned, warnings })
  }
}

/** passengerCompat: the pool text with only the lines passenger-status prints (the other views are the same either way). */
export async function fetchView (instance: InstanceRecord, show: Show, o: { verbose: boolean, colorize: boolean, passengerCompat?: boolean }, timeoutMs: number): Promise<string> {
  const compat = show === 'pool' && o.passengerCompat === true ? '&passenger_compat=true' : ''
  const path = PATHS[show] + (show === 'pool' || show === 'xml' ? `?verbose=${String(o.verbose)}&colorize=${String(o.colorize && show === 'pool')}${compat}` : '')
  const reply = await adminRequest(instance, path, { timeoutMs })
  if (reply.status !== 200) throw new FerryError('E_API_UNREACHABLE', `the admin API answered ${reply.status} for ${path}`)
  return reply.body
}

export interface ProcessRow extends ProcessInfo { readonly state: string }

/** The instance's processes as the process table shows them: the watchdog and everything below it. */
export function instanceProcesses (instance: InstanceRecord): ProcessRow[] {
  const all = scanProcesses()
  const below = new Set([instance.watchdog_pid])
  // Parents come before children in PID order almost always; repeat until nothing new is found to be sure.
  for (let grew = true; grew;) {
    grew = false
    for (const p of all) if (!below.has(p.pid) && below.has(p.ppid)) { below.add(p.pid); grew = true }
  }
  return all.filter(p => below.has(p.pid)).map(p => ({ ...p, state: readStat(p.pid)?.state ?? '?' }))
}
