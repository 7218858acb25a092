// The instance registry (reference §6.3, §7.1): finds the running instances in a registry directory, cleans up the
// directories of instances that died without removing theirs, and picks the one a command is about.
//
// Exit codes the CLI should map these to (errors.ts decides; noted here so callers keep them in step):
//   - no instance running                → E_NOT_RUNNING → exit 7 (Passenger exits 1; Ferry's stop/status already use 7)
//   - several running and no name given  → E_USAGE       → exit 2 (print renderInstanceTable() after the message)
//   - a name that matches none / several → E_USAGE       → exit 2 (a dedicated E_INSTANCE_UNKNOWN could map to 7,
//                                                          so scripts can tell "that one is not running" from a typo)
// Nothing here writes to the console or throws for cleanup problems: `cleaned` and `warnings` are for the CLI to print.
//
// Trust: a registry may be shared (an explicit --instance-registry-dir such as /tmp), so another user can plant a
// directory that looks like an instance. An instance is believed only when its directory and files belong to the
// caller or root, are not writable by group or others and are not symlinks, and the registry's own path is not
// someone else's to change (registry-dir.ts). Others are `untrusted`: never listed, never cleaned, and a command that
// meant one of them fails with why (refuseUntrusted) instead of sending it credentials.
import { readdirSync, readFileSync, lstatSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { FerryError, type ErrorCode } from '../errors.js'
import { distrust, myUid } from './file-trust.js'
import { defaultRegistryDir, distrustRegistryPath } from './registry-dir.js'
import {
  INSTANCE_DIR_PATTERN, INSTANCE_DIR_PREFIX, STRUCTURE_VERSION, inspectProperties, instancePaths, isWatchdogAlive,
  type InstancePaths, type InstanceProperties
} from './instance-dir.js'

/** An unfinalized directory younger than this is taken to be still being created. */
const CREATION_GRACE_MS = 60_000

export type InstanceRecord = InstanceProperties & { readonly dir: string, readonly paths: InstancePaths }

/** An instance directory that is not believed, and why; `code` is what a command that meant it fails with. */
export interface UntrustedInstance {
  readonly name: string
  readonly dir: string
  readonly reason: string
  /** E_NOT_AUTHORIZED: the caller may not read it (another user's private directory); E_INSTANCE_UNTRUSTED otherwise. */
  readonly code: 'E_INSTANCE_UNTRUSTED' | 'E_NOT_AUTHORIZED'
}

export interface ListResult {
  /** Live instances, oldest first. */
  readonly live: InstanceRecord[]
  /** Directories not believed (whether live or not): not listed, not cleaned. */
  readonly untrusted: UntrustedInstance[]
  /** Stale instance directories deleted by this scan. */
  readonly cleaned: string[]
  /** One line each: directories that could not be cleaned, or that were left alone for a reason worth telling. */
  readonly warnings: string[]
}

export interface ListOptions {
  /** Deletes a stale directory; replaceable so tests can exercise the failure path. */
  readonly remove?: (dir: string) => void
}

/** `--instance-registry-dir`, else $FERRY_INSTANCE_REGISTRY_DIR, else the caller's own default (registry-dir.ts); always absolute. */
export function registryDirFrom (opts: { instanceRegistryDir?: string | undefined, env: NodeJS.ProcessEnv }): string {
  const fromEnv = opts.env['FERRY_INSTANCE_REGISTRY_DIR']
  const dir = opts.instanceRegistryDir !== undefined && opts.instanceRegistryDir !== ''
    ? opts.instanceRegistryDir
    : fromEnv !== undefined && fromEnv !== '' ? fromEnv : defaultRegistryDir({ env: opts.env })
  return resolve(dir)
}

const defaultRemove = (dir: string): void => { rmSync(dir, { recursive: true, force: true }) }

const errorLine = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException
  return e.code !== undefined && !e.message.startsWith(e.code) ? `${e.code}: ${e.message}` : e.message
}

function readPidFile (path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch { return undefined }
}

/**
 * Scans `ferry.<8 chars>` directories (never files, never symlinks: the registry is usually the shared /tmp, and the
 * pid and log files of src/core/watchdog/paths.ts also live there as `ferry.<port>.pid`).
 *   finalized, properties valid, watchdog live   → live
 *   watchdog live otherwise                       → left alone (being created, or a warning if it looks corrupt)
 *   not live and (finalized or older than 60 s)   → stale: deleted, reported in `cleaned` (or `warnings` on failure)
 *   not live, unfinalized, younger than 60 s      → left alone (being created)
 *   properties of another structure major version → left alone with a warning
 *   untrusted (see distrustInstance), live or not    → left alone, reported in `untrusted` and `warnings`
 */
export function listInstances (registryDir: string, opts: ListOptions = {}): ListResult {
  const remove = opts.remove ?? defaultRemove
  const result: ListResult = { live: [], untrusted: [], cleaned: [], warnings: [] }
  let entries
  try {
    entries = readdirSync(registryDir, { withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      result.warnings.push(`cannot read the instance registry ${registryDir}: ${errorLine(err)}`)
    }
    return result
  }

  const now = Date.now()
  const registryDistrust = distrustRegistryPath(registryDir)
  for (const entry of entries) {
    if (!entry.isDirectory() || !INSTANCE_DIR_PATTERN.test(entry.name)) continue
    const dir = join(registryDir, entry.name)
    const paths = instancePaths(dir)
    const untrusted = registryDistrust !== undefined
      ? { reason: `the instance registry is not safe: ${registryDistrust}`, code: 'E_INSTANCE_UNTRUSTED' as const }
      : distrustInstance(dir, paths)
    if (untrusted !== undefined) {
      result.untrusted.push({ name: entry.name.slice(INSTANCE_DIR_PREFIX.length), dir, ...untrusted })
      result.warnings.push(`ignored instance directory ${dir}: ${untrusted.reason}`)
      continue
    }

    let mtimeMs: number
    let finalized: boolean
    try {
      mtimeMs = lstatSync(dir).mtimeMs
      finalized = lstatSync(paths.creationFinalized, { throwIfNoEntry: false })?.isFile() ?? false
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        result.warnings.push(`cannot inspect instance directory ${dir}: ${errorLine(err)}`)
      }
      continue // ENOENT: removed meanwhile
    }

    const state = inspectProperties(dir)
    if (state.kind === 'unsupported') {
      result.warnings.push(`instance directory ${dir} has structure version ${state.major}, ` +
        `which this Ferry does not understand (it uses ${STRUCTURE_VERSION.major}): left alone`)
      continue
    }
    const pid = state.kind === 'ok' ? state.properties.watchdog_pid : readPidFile(paths.watchdogPid)
    const live = pid !== undefined && isWatchdogAlive(pid, state.kind === 'ok' ? state.properties.watchdog_start_time : undefined)

    if (live) {
      if (finalized && state.kind === 'ok') result.live.push({ ...state.properties, dir, paths })
      else if (finalized) result.warnings.push(`instance directory ${dir} has an unreadable properties.json but its watchdog (PID ${pid}) is running: left alone`)
      continue
    }
    if (!finalized && now - mtimeMs <= CREATION_GRACE_MS) continue

    try {
      remove(dir)
      result.cleaned.push(dir)
    } catch (err) {
      result.warnings.push(`cannot clean stale instance directory ${dir}: ${errorLine(err)}`)
    }
  }
  result.live.sort((a, b) => a.created_at - b.created_at || a.name.localeCompare(b.name))
  return result
}

/**
 * Why `dir` and the files a command reads or talks to may not be believed, or undefined when they may. Files not
 * there yet are fine (the reader then fails on its own). A directory the caller may not look into is E_NOT_AUTHORIZED.
 */
function distrustInstance (dir: string, paths: InstancePaths): Omit<UntrustedInstance, 'name' | 'dir'> | undefined {
  const files = [paths.properties, paths.watchdogPid, paths.corePid, paths.readOnlyAdminPassword, paths.fullAdminPassword,
    paths.creationFinalized, paths.adminSocket]
  try {
    const why = distrust(lstatSync(dir), `instance directory ${dir}`)
    if (why !== undefined) return { reason: why, code: 'E_INSTANCE_UNTRUSTED' }
    for (const file of files) {
      const st = lstatSync(file, { throwIfNoEntry: false })
      const fileWhy = st === undefined ? undefined : distrust(st, file)
      if (fileWhy !== undefined) return { reason: fileWhy, code: 'E_INSTANCE_UNTRUSTED' }
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM') {
      return { reason: `you (uid ${myUid()}) may not read instance directory ${dir}: run this as its owner or with sudo`, code: 'E_NOT_AUTHORIZED' }
    }
    if (code === 'ENOENT') return undefined // removed meanwhile: the scan below skips it
    return { reason: `cannot inspect instance directory ${dir}: ${errorLine(err)}`, code: 'E_INSTANCE_UNTRUSTED' }
  }
  return undefined
}

/**
 * Before selecting: when `name` (or, without a name, every instance) can only mean an untrusted one, fail with why —
 * E_INSTANCE_UNTRUSTED or E_NOT_AUTHORIZED (exit 2) — rather than "no instance", and without sending credentials.
 */
export function refuseUntrusted (list: readonly InstanceRecord[], untrusted: readonly UntrustedInstance[], name: string | undefined): void {
  const matches = (n: string): boolean => name === undefined || n.startsWith(name)
  if (name === '' || list.some(i => matches(i.name))) return
  const meant = untrusted.filter(u => matches(u.name))
  const first = meant[0]
  if (first === undefined) return
  const more = meant.length > 1 ? ` (and ${meant.length - 1} more)` : ''
  throw new FerryError(first.code, `instance ${first.name}${more} is not used: ${first.reason}` +
    (first.code === 'E_INSTANCE_UNTRUSTED' ? '; its admin credentials were not sent' : ''))
}

/** The error each way of not finding one instance is. */
export interface SelectCodes {
  /** No instance runs (in the list given). */
  readonly noneRunning: ErrorCode
  /** Several run and no name was given. */
  readonly nameNeeded: ErrorCode
  /** The name is empty, matches none or matches several. */
  readonly badName: ErrorCode
}

/** `ferry stop NAME` through the registry: not running is exit 7 as for any stop, a name that fits none is a usage error. */
const STOP_CODES: SelectCodes = { noneRunning: 'E_NOT_RUNNING', nameNeeded: 'E_USAGE', badName: 'E_USAGE' }

export interface SelectContext {
  /** The registry that was searched, named in the error when nothing runs there. */
  readonly registryDir: string
  /** The subcommand to suggest in `ferry <command> <NAME>`; default 'status'. */
  readonly command?: string
  /** Default STOP_CODES. */
  readonly codes?: SelectCodes
}

/**
 * The instance a command is about: the only one when no name is given, else the one whose name starts with `name`.
 * Throws the `ctx.codes` error for each way of failing (by default E_NOT_RUNNING when none runs, else E_USAGE).
 */
export function selectInstance (list: readonly InstanceRecord[], name: string | undefined, ctx: SelectContext): InstanceRecord {
  const command = ctx.command ?? 'status'
  const codes = ctx.codes ?? STOP_CODES
  if (list.length === 0) {
    throw new FerryError(codes.noneRunning, `no running Ferry instance was found in the instance registry ${ctx.registryDir}: ` +
      'if it runs with another registry, pass --instance-registry-dir DIR or set FERRY_INSTANCE_REGISTRY_DIR')
  }
  const names = list.map(i => i.name).join(', ')
  if (name === undefined) {
    if (list.length === 1) return list[0]!
    throw new FerryError(codes.nameNeeded, `several Ferry instances are running (${names}): ` +
      `select one by name with \`ferry ${command} <NAME>\` (a unique prefix is enough)`)
  }
  if (name === '') throw new FerryError(codes.badName, `the instance name is empty: running instances are ${names}`)
  const exact = list.find(i => i.name === name)
  if (exact !== undefined) return exact
  const matches = list.filter(i => i.name.startsWith(name))
  if (matches.length === 1) return matches[0]!
  if (matches.length === 0) {
    throw new FerryError(codes.badName, `no running Ferry instance is named '${name}': running instances are ${names}`)
  }
  throw new FerryError(codes.badName, `'${name}' matches several running Ferry instances (${matches.map(i => i.name).join(', ')}): ` +
    'type more of the name')
}

/** "42s", "5m 3s", "2h 5m", "3d 4h". */
export function formatAge (seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`
}

/**
 * A plain-text table (Name / PID / Description, like passenger-status's) for the CLI to print, e.g. after the
 * "several instances" error. Pure: `now` (ms) is a parameter.
 */
export function renderInstanceTable (list: readonly InstanceRecord[], now = Date.now()): string {
  const rows = list.map(i => [
    i.name,
    String(i.watchdog_pid),
    `${i.server_software} ${i.integration_mode} on ${i.listen.length > 0 ? i.listen.join(', ') : '(no address)'}, ` +
      `up ${formatAge(now / 1000 - i.created_at)}`
  ])
  const nameWidth = Math.max(4, ...rows.map(r => r[0]!.length))
  const pidWidth = Math.max(3, ...rows.map(r => r[1]!.length))
  const line = (r: readonly string[]): string => `${r[0]!.padEnd(nameWidth)}  ${r[1]!.padEnd(pidWidth)}  ${r[2]}`.trimEnd()
  const header = line(['Name', 'PID', 'Description'])
  const width = Math.max(header.length, ...rows.map(r => line(r).length))
  return [header, '-'.repeat(width), ...rows.map(line)].join('\n')
}
