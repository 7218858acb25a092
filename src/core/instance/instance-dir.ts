// One instance directory in the instance registry (reference §6): `<registry>/ferry.<name>`, holding what tools need
// to find and talk to a running instance — properties.json, pid files, admin passwords, the admin socket's path.
//
// Life cycle: createInstanceDir() → (watchdog starts the core) setCorePid() → finalize() → … → remove().
// An instance is visible to listInstances() only once `creation_finalized` exists, and that file is written last.
//
// Liveness without flock (Node has none): a directory belongs to a live instance when its watchdog_pid names a live
// process (kill(pid, 0) succeeds or fails with EPERM) whose /proc/<pid>/cmdline shows the title 'Ferry watchdog' and
// whose start time is the watchdog_start_time recorded beside the PID — so a reused PID, even another watchdog's, is
// never taken for this instance.
//
// Modes: the directory and properties.json are readable by all (another user learns that an instance runs, and is
// then told it is not authorized rather than that nothing runs); passwords and the admin socket are the owner's only.
import { mkdirSync, writeFileSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { randomInt } from 'node:crypto'
import { join } from 'node:path'
import { FerryError } from '../errors.js'
import { processStartTicks, processTitle } from './process-identity.js'
import { ensureRegistryDir } from './registry-dir.js'

export const INSTANCE_DIR_PREFIX = 'ferry.'
/** `ferry.` + 8 lowercase alphanumerics: the only entries the registry scan ever looks at (or deletes). */
export const INSTANCE_DIR_PATTERN = /^ferry\.[a-z0-9]{8}$/
// 1.1: watchdog_start_time added (a 1.0 reader ignores it; a 1.1 reader of a 1.0 directory falls back to the title).
export const STRUCTURE_VERSION = { major: 1, minor: 1 } as const
const WATCHDOG_TITLE = 'Ferry watchdog'

const NAME_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const NAME_LENGTH = 8
const PASSWORD_LENGTH = 24
const MAX_CREATE_ATTEMPTS = 100

export type IntegrationMode = 'standalone' | 'flying'

/** The contents of properties.json (snake_case, as tools outside Node may read it too). */
export interface InstanceProperties {
  readonly name: string
  readonly instance_id: string
  readonly version: string
  readonly structure_version: { readonly major: number, readonly minor: number }
  readonly watchdog_pid: number
  /** The watchdog's start time in clock ticks since boot (/proc/<pid>/stat field 22); null where unknown. */
  readonly watchdog_start_time?: number | null
  readonly core_pid: number | null
  readonly listen: readonly string[]
  readonly created_at: number
  readonly integration_mode: IntegrationMode
  readonly server_software: string
}

export interface InstancePaths {
  readonly properties: string
  readonly watchdogPid: string
  readonly corePid: string
  readonly readOnlyAdminPassword: string
  readonly fullAdminPassword: string
  /** Where the admin API listens; createInstanceDir does not create it. */
  readonly adminSocket: string
  readonly creationFinalized: string
}

export interface InstanceDir {
  readonly dir: string
  readonly name: string
  readonly paths: InstancePaths
  /** The properties as last written. */
  readonly properties: InstanceProperties
  /** Records the core's PID: rewrites properties.json atomically (temp file + rename) and writes core.pid. */
  setCorePid (pid: number, listen?: readonly string[]): void
  /** Creates `creation_finalized`: from now on the instance is listed. Call it last. */
  finalize (): void
  /** Deletes the directory and everything in it; safe to call more than once. */
  remove (): void
}

export interface CreateInstanceDirOptions {
  readonly registryDir: string
  readonly watchdogPid: number
  readonly version: string
  readonly integrationMode: IntegrationMode
  readonly listen: readonly string[]
}

export function instancePaths (dir: string): InstancePaths {
  return {
    properties: join(dir, 'properties.json'),
    watchdogPid: join(dir, 'watchdog.pid'),
    corePid: join(dir, 'core.pid'),
    readOnlyAdminPassword: join(dir, 'read_only_admin_password.txt'),
    fullAdminPassword: join(dir, 'full_admin_password.txt'),
    adminSocket: join(dir, 'admin.sock'),
    creationFinalized: join(dir, 'creation_finalized')
  }
}

function randomString (alphabet: string, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)]
  return out
}

/** Time-based and random, like Passenger's "<time base36>-<6 rand>-<6 rand>". */
function newInstanceId (): string {
  return `${Date.now().toString(36)}-${randomString(NAME_ALPHABET, 6)}-${randomString(NAME_ALPHABET, 6)}`
}

function writeAtomically (path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}-${randomString(NAME_ALPHABET, 6)}`
  try {
    writeFileSync(tmp, text, { mode, flag: 'wx' })
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}

const serialize = (p: InstanceProperties): string => JSON.stringify(p, null, 2) + '\n'

function fileError (what: string, path: string, err: unknown): FerryError {
  // E_PID_FILE (exit 5) is the closest existing code; a dedicated E_INSTANCE_DIR (exit 5) would read better.
  return new FerryError('E_PID_FILE', `cannot ${what} ${path}: ${(err as Error).message}`, { cause: err })
}

export function createInstanceDir (opts: CreateInstanceDirOptions): InstanceDir {
  ensureRegistryDir(opts.registryDir)

  let name = ''
  let dir = ''
  for (let attempt = 0; ; attempt++) {
    name = randomString(NAME_ALPHABET, NAME_LENGTH)
    dir = join(opts.registryDir, INSTANCE_DIR_PREFIX + name)
    try {
      mkdirSync(dir, { mode: 0o755 })
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt + 1 >= MAX_CREATE_ATTEMPTS) {
        throw fileError('create the instance directory', dir, err)
      }
    }
  }

  const paths = instancePaths(dir)
  let properties: InstanceProperties = {
    name,
    instance_id: newInstanceId(),
    version: opts.version,
    structure_version: { major: STRUCTURE_VERSION.major, minor: STRUCTURE_VERSION.minor },
    watchdog_pid: opts.watchdogPid,
    watchdog_start_time: processStartTicks(opts.watchdogPid) ?? null,
    core_pid: null,
    listen: [...opts.listen],
    created_at: Math.floor(Date.now() / 1000),
    integration_mode: opts.integrationMode,
    server_software: `Ferry/${opts.version}`
  }

  let current = paths.properties
  try {
    writeFileSync(paths.properties, serialize(properties), { mode: 0o644, flag: 'wx' })
    current = paths.watchdogPid
    writeFileSync(paths.watchdogPid, String(opts.watchdogPid), { mode: 0o644, flag: 'wx' })
    for (const path of [paths.readOnlyAdminPassword, paths.fullAdminPassword]) {
      current = path
      writeFileSync(path, randomString(PASSWORD_ALPHABET, PASSWORD_LENGTH), { mode: 0o600, flag: 'wx' })
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw fileError('write', current, err)
  }

  return {
    dir,
    name,
    paths,
    get properties () { return properties },
    setCorePid (pid: number, listen?: readonly string[]): void {
      const next = { ...properties, core_pid: pid, ...(listen !== undefined ? { listen: [...listen] } : {}) }
      let path = paths.properties
      try {
        writeAtomically(paths.properties, serialize(next), 0o644)
        path = paths.corePid
        writeAtomically(paths.corePid, String(pid), 0o644)
      } catch (err) {
        throw fileError('write', path, err)
      }
      properties = next
    },
    finalize (): void {
      try {
        writeFileSync(paths.creationFinalized, '', { mode: 0o644 })
      } catch (err) {
        throw fileError('write', paths.creationFinalized, err)
      }
    },
    remove (): void {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export type PropertiesState =
  | { readonly kind: 'ok', readonly properties: InstanceProperties }
  /** Written by a Ferry with another structure major version: neither listed nor deleted. */
  | { readonly kind: 'unsupported', readonly major: number }
  /** Missing, unparsable or the wrong shape. */
  | { readonly kind: 'corrupt' }

export function inspectProperties (dir: string): PropertiesState {
  let data: unknown
  try { data = JSON.parse(readFileSync(instancePaths(dir).properties, 'utf8')) } catch { return { kind: 'corrupt' } }
  const major = (data as { structure_version?: { major?: unknown } } | null)?.structure_version?.major
  if (typeof major === 'number' && Number.isInteger(major) && major !== STRUCTURE_VERSION.major) return { kind: 'unsupported', major }
  return isProperties(data) ? { kind: 'ok', properties: data } : { kind: 'corrupt' }
}

/** Parses and checks properties.json; undefined when it is missing, corrupt or of another structure version. */
export function readProperties (dir: string): InstanceProperties | undefined {
  const state = inspectProperties(dir)
  return state.kind === 'ok' ? state.properties : undefined
}

const isPid = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0

function isProperties (v: unknown): v is InstanceProperties {
  if (typeof v !== 'object' || v === null) return false
  const p = v as Record<string, unknown>
  const sv = p['structure_version'] as Record<string, unknown> | null | undefined
  return typeof p['name'] === 'string' && p['name'] !== '' &&
    typeof p['instance_id'] === 'string' &&
    typeof p['version'] === 'string' &&
    typeof sv === 'object' && sv !== null && Number.isInteger(sv['major']) && Number.isInteger(sv['minor']) &&
    isPid(p['watchdog_pid']) &&
    (p['watchdog_start_time'] === undefined || p['watchdog_start_time'] === null || Number.isSafeInteger(p['watchdog_start_time'])) &&
    (p['core_pid'] === null || isPid(p['core_pid'])) &&
    Array.isArray(p['listen']) && p['listen'].every(a => typeof a === 'string') &&
    typeof p['created_at'] === 'number' &&
    (p['integration_mode'] === 'standalone' || p['integration_mode'] === 'flying') &&
    typeof p['server_software'] === 'string' && p['server_software'] !== ''
}

/** The process exists (possibly owned by another user). Refuses 0 and negatives, which kill() reads as groups. */
export function isProcessAlive (pid: number): boolean {
  if (!isPid(pid)) return false
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/**
 * Whether `pid` is a live Ferry watchdog. The title check reads the first NUL-separated field of /proc/<pid>/cmdline.
 * Linux caps process.title at the length of the original argv, so a watchdog started as e.g. `node w.js` shows
 * 'Ferry watc': a truncated prefix of at least 'Ferry w' is accepted, since wrongly judging a live instance stale
 * would delete its directory. An empty cmdline (zombie) is not a watchdog. When /proc cannot be read (not Linux, hidepid,
 * or the process vanished meanwhile) the answer falls back to plain liveness.
 */
export function isWatchdogAlive (pid: number, startTime?: number | null): boolean {
  if (!isProcessAlive(pid)) return false
  if (startTime !== undefined && startTime !== null) {
    const now = processStartTicks(pid)
    if (now !== undefined && now !== startTime) return false // the PID was reused since the instance was registered
  }
  const title = processTitle(pid)
  // No /proc (not Linux), or hidden by hidepid, or the process just exited: liveness alone decides.
  return title === undefined ? isProcessAlive(pid) : isWatchdogTitle(title)
}

/** 'Ferry watchdog', or a prefix of it of at least 'Ferry w' (Linux truncates titles to the original argv's length). */
export function isWatchdogTitle (title: string): boolean {
  return title.startsWith(WATCHDOG_TITLE) || (title.length >= 'Ferry w'.length && WATCHDOG_TITLE.startsWith(title))
}
