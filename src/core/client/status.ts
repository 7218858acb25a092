// `ferry status`'s core: pick the instance, fetch the view from its admin API, and when the API does not answer,
// read what the process table shows about that instance instead.
import { FerryError } from '../errors.js'
import {
  listInstances, refuseUntrusted, registryDirFrom, selectInstance, type InstanceRecord, type ListResult, type SelectCodes
} from '../instance/registry.js'
import { scanProcesses, type ProcessInfo } from '../inspect/scan.js'
import { readStat } from '../inspect/proc.js'
import { adminRequest } from './admin-client.js'
import type { AddressFilter } from '../instance/listens-on.js'

export const SHOW = ['pool', 'xml', 'json', 'server', 'requests'] as const
export type Show = typeof SHOW[number]

const PATHS: Readonly<Record<Show, string>> = {
  pool: '/pool.txt', xml: '/pool.xml', json: '/pool.json', server: '/server.json', requests: '/requests.json'
}

/** Selecting for the commands that talk to a running instance: monitoring relies on exit 1 when none is found. */
const CODES: SelectCodes = { noneRunning: 'E_INSTANCE_NOT_FOUND', nameNeeded: 'E_INSTANCE_AMBIGUOUS', badName: 'E_INSTANCE_NOT_FOUND' }

/** What the registry holds, read once: the CLI reports `cleaned` and `warnings` whichever instance is then picked. */
export interface Listing extends ListResult {
  readonly registryDir: string
  /** Only the instances at the address asked for (--port, --socket); every live one without it. */
  readonly where?: AddressFilter | undefined
  /** The live instances to choose from: at `where`, or all. */
  readonly candidates: readonly InstanceRecord[]
}

export function listForSelection (instanceRegistryDir: string | undefined, where?: AddressFilter): Listing {
  const registryDir = registryDirFrom({ instanceRegistryDir, env: process.env })
  const list = listInstances(registryDir)
  return { ...list, registryDir, where, candidates: where === undefined ? list.live : list.live.filter(where.test) }
}

/**
 * The instance `name` (a unique prefix) means among the listing's candidates, or the only one. Throws
 * E_INSTANCE_NOT_FOUND, E_INSTANCE_AMBIGUOUS (the CLI then shows the candidates), E_INSTANCE_UNTRUSTED or
 * E_NOT_AUTHORIZED. `command` is how the error tells the user to name one (`ferry <command> <NAME>`).
 */
export function selectFrom (listing: Listing, name: string | undefined, command = 'status'): InstanceRecord {
  const { where, live, candidates, registryDir } = listing
  // An untrusted directory's address is not read, so only a name (or nothing) can mean one.
  if (where === undefined) refuseUntrusted(live, listing.untrusted, name)
  if (where !== undefined && candidates.length === 0 && live.length > 0) {
    throw new FerryError('E_INSTANCE_NOT_FOUND', `no running Ferry instance ${where.what}: running instances are ${live.map(i => i.name).join(', ')}`)
  }
  return selectInstance(candidates, name, { registryDir, command, codes: CODES })
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
