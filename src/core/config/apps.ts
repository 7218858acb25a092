// What an instance serves: its own options and its apps, from flags, the environment, a --config file and each
// app's Ferryfile.json. Loaded by the CLI (so mistakes are one-line errors before anything starts) and again by the
// core on `ferry reload` / SIGHUP, with the same code, so both always agree on what a file means.
//
// A --config file is a JSON object: any option by its flag name (instance-wide defaults), and "apps": a list of
// objects with "root" (relative to the file's directory), optional "server_names" (Host names, no port),
// optional "base_uri" (a path prefix) and any per-app option. A Ferryfile.json in an app's root holds per-app
// options for that app. Per app: default < config top level < environment < Ferryfile.json < app entry < flag.
//
// Options that decide who an app runs as or what it inherits (operatorOnly: user, group, pass-env) are the
// operator's: a Ferryfile.json is written by the app's owner, so it may not set them, and when Ferry is root a
// --config file that sets them must be one only root could have written (see trust.ts).
import { realpathSync, statSync, type Stats } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { FerryError } from '../errors.js'
import { OPTIONS, type FerryOptions, type OptionSpec } from './options.js'
import { resolveOptions, type OptionSource, type RawValues, type ResolvedOptions } from './resolve.js'
import { distrustReason } from './trust.js'
import { readRegularFile } from '../instance/file-trust.js'
import { checkBypass } from './bypass-rules.js'

const FERRYFILE = 'Ferryfile.json'

/** One app as configured: where it is, what requests reach it, and its resolved options. */
export interface AppDefinition {
  /** Absolute real path; also the app's group name. */
  readonly root: string
  /** Host names (lower case, no port) this app answers; empty = any host. */
  readonly serverNames: readonly string[]
  /** Path prefix, `/` or `/x/y` (no trailing slash). */
  readonly baseUri: string
  readonly options: FerryOptions
  readonly sources: Readonly<Record<string, OptionSource>>
}

export interface ServeConfig {
  readonly instance: ResolvedOptions
  readonly apps: readonly AppDefinition[]
}

export interface ServeInputs {
  /** Raw flag values by option name, as the CLI parsed them. */
  readonly flags: RawValues
  readonly env: NodeJS.ProcessEnv
  /** `ferry start APP_DIR`: the one app when the config file lists none. */
  readonly appDir?: string | undefined
  /** Absolute path of the --config file, if any. */
  readonly configFile?: string | undefined
}

const SPECS = new Map((OPTIONS as readonly OptionSpec[]).map(o => [o.name, o]))
const APP_KEYS = new Set(['root', 'server_names', 'base_uri'])

export function loadServeConfig (inputs: ServeInputs): ServeConfig {
  const file = inputs.configFile === undefined ? undefined : readConfigFile(inputs.configFile)
  const instance = resolveOptions({ flags: inputs.flags, file: file?.options, env: inputs.env })
  const entries: Array<{ where: string, values: RawValues }> = file?.apps ?? []
  if (entries.length > 0 && inputs.appDir !== undefined) {
    throw new FerryError('E_USAGE', `${inputs.configFile ?? ''} lists its apps: leave out the app directory, or add it to "apps"`)
  }
  if (entries.length === 0 && inputs.appDir !== undefined) entries.push({ where: 'the app directory', values: { root: resolve(inputs.appDir) } })
  const apps = entries.map(e => defineApp(e.where, e.values, inputs, file?.options))
  checkUnique(apps)
  checkBypass({ instance: instance.options, apps })
  return { instance, apps }
}

/** Resolves one app that is not in any file (an app root named by the front server's headers). */
export function defineAdHocApp (root: string, inputs: ServeInputs, overrides: RawValues): AppDefinition {
  const file = inputs.configFile === undefined ? undefined : readConfigFile(inputs.configFile)
  return defineApp(`app ${root}`, { root, ...overrides }, inputs, file?.options)
}

interface ConfigFile { readonly options: RawValues, readonly apps: Array<{ where: string, values: RawValues }> }

function readConfigFile (path: string, euid = process.geteuid?.() ?? -1): ConfigFile {
  const { data, stat } = readJson(path, 'config file')
  // As root, the file says what runs and as whom (apps, start commands, --envvar, users): checked before it is read.
  if (euid === 0) checkTrusted(path, stat, euid)
  const options: Record<string, unknown> = {}
  let apps: Array<{ where: string, values: RawValues }> = []
  for (const [key, value] of Object.entries(data)) {
    if (key === 'apps') {
      if (!Array.isArray(value)) throw invalid(path, '"apps" must be a list of app objects')
      apps = value.map((entry, i) => {
        const where = `apps[${i}]`
        if (!isObject(entry)) throw invalid(path, `${where} must be an object with at least "root"`)
        if (typeof entry.root !== 'string' || entry.root === '') throw invalid(path, `${where} needs "root": the app's directory`)
        checkKeys(path, where, entry, true)
        return { where: `${where} of ${path}`, values: { ...entry, root: resolve(dirname(path), entry.root) } }
      })
      continue
    }
    const spec = SPECS.get(key)
    if (spec === undefined || key === 'config') throw invalid(path, `unknown option "${key}"${suggestion(key)}`)
    options[key] = value
  }
  return { options, apps }
}

/**
 * Refuses a --config file that someone other than root could have written, when Ferry is root: whoever writes it
 * decides which commands run, as which users, with which secrets (not only through "user" and "group": an app's
 * "app-start-command" runs as its directory's owner, and "envvar" can set NODE_OPTIONS).
 */
function checkTrusted (path: string, stat: Stats, euid: number): void {
  const why = distrustReason(path, stat, euid)
  if (why === undefined) return
  throw new FerryError('E_CONFIG_UNTRUSTED', `${path}: ${why}; as root, Ferry reads only a --config file root alone can ` +
    'write, since it says what runs and as whom: chown root and chmod go-w it (and its directories)')
}

function defineApp (where: string, values: RawValues, inputs: ServeInputs, fileOptions: RawValues | undefined): AppDefinition {
  const root = appRoot(String(values.root), where)
  const ferryfilePath = join(root, FERRYFILE)
  const ferryfile = fileExists(ferryfilePath) ? readFerryfile(ferryfilePath, root) : undefined
  const app: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(values)) if (!APP_KEYS.has(key)) app[key] = value
  let resolved: ResolvedOptions
  try {
    resolved = resolveOptions({ flags: inputs.flags, file: fileOptions, env: inputs.env, ferryfile: ferryfile?.options, app })
  } catch (err) {
    if (err instanceof FerryError) throw new FerryError(err.code, `${where}: ${err.message}`)
    throw err
  }
  return Object.freeze({
    root,
    serverNames: Object.freeze(serverNames(values.server_names ?? ferryfile?.serverNames, where)),
    baseUri: baseUri(values.base_uri ?? ferryfile?.baseUri, where),
    options: resolved.options,
    sources: resolved.sources
  })
}

/**
 * Ferry (root, perhaps) reads an app's Ferryfile.json for that app: never through a symlink, and only one that the app
 * directory's owner (or root) owns, or one app could read another's file, secrets and all, by linking to it.
 */
function readFerryfile (path: string, appRoot: string): { options: RawValues, serverNames?: unknown, baseUri?: unknown } {
  const { data, stat } = readJson(path, FERRYFILE, true)
  const owner = statSync(appRoot).uid
  // readJson took only a regular file.
  if (stat.uid !== 0 && stat.uid !== owner) {
    throw new FerryError('E_CONFIG_UNTRUSTED', `${path}: not a regular file owned by the app directory's owner (uid ${owner}) ` +
      'or root; Ferry does not read it')
  }
  checkKeys(path, 'the file', data, false)
  const options: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(data)) if (!APP_KEYS.has(key)) options[key] = value
  return { options, serverNames: data.server_names, baseUri: data.base_uri }
}

/** Only per-app options (and the app keys) belong in an app entry or a Ferryfile.json. */
function checkKeys (path: string, where: string, entry: Record<string, unknown>, rootAllowed: boolean): void {
  for (const key of Object.keys(entry)) {
    if (APP_KEYS.has(key)) {
      if (key === 'root' && !rootAllowed) throw invalid(path, `${where}: "root" is the directory the file is in; remove it`)
      continue
    }
    const spec = SPECS.get(key)
    if (spec === undefined) throw invalid(path, `${where}: unknown key "${key}"${suggestion(key)}`)
    if (spec.perApp !== true) throw invalid(path, `${where}: "${key}" applies to the whole instance, not one app; set it at the top level or as a flag`)
    // The app's owner writes its Ferryfile.json: it must not pick the user, group or inherited secrets of its app.
    if (spec.operatorOnly === true && !rootAllowed) {
      throw new FerryError('E_CONFIG_UNTRUSTED', `${path}: "${key}" says who the app runs as or what it inherits, ` +
        `which only the operator decides: remove it from the file and pass --${key} or set it in the --config file`)
    }
  }
}

function appRoot (root: string, where: string): string {
  let st
  try {
    st = statSync(root)
  } catch {
    throw new FerryError('E_APP_NOT_FOUND', `${where}: app directory ${root} does not exist`)
  }
  if (!st.isDirectory()) throw new FerryError('E_APP_NOT_FOUND', `${where}: ${root} is not a directory`)
  return realpathSync(root)
}

function serverNames (value: unknown, where: string): string[] {
  if (value === undefined) return []
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.some(n => typeof n !== 'string' || !/^[A-Za-z0-9.*-]+$/.test(n))) {
    throw new FerryError('E_CONFIG_INVALID', `${where}: "server_names" must be a list of host names such as "example.com" (no port, no scheme)`)
  }
  return (list as string[]).map(n => n.toLowerCase())
}

/** A path prefix; no `;` or `,`, which would end the Path of the sticky-sessions cookie and start new attributes. */
function baseUri (value: unknown, where: string): string {
  if (value === undefined || value === '/') return '/'
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+=:@%/-]*$/.test(value) || value.includes('//') || /\/\.\.?(\/|$)/.test(value)) {
    throw new FerryError('E_CONFIG_INVALID', `${where}: "base_uri" must be a path such as "/blog", got ${JSON.stringify(value)}`)
  }
  return value.endsWith('/') ? value.slice(0, -1) : value
}

/** Two apps cannot share a root (it names the group) or answer the same host and base URI. */
function checkUnique (apps: readonly AppDefinition[]): void {
  const roots = new Set<string>()
  const routes = new Set<string>()
  for (const a of apps) {
    if (roots.has(a.root)) throw new FerryError('E_CONFIG_INVALID', `app ${a.root} is listed twice; list each app directory once`)
    roots.add(a.root)
    for (const host of a.serverNames.length === 0 ? ['*'] : a.serverNames) {
      const key = `${host} ${a.baseUri}`
      if (routes.has(key)) throw new FerryError('E_CONFIG_INVALID', `two apps answer host ${host} at ${a.baseUri}; give them different server_names or base_uri`)
      routes.add(key)
    }
  }
}

/** The parsed object, and the stat of the very file that was read (not of whatever the path names a moment later). */
function readJson (path: string, what: string, noFollow = false): { data: Record<string, unknown>, stat: Stats } {
  let text: string
  let stat: Stats
  try {
    ({ text, stat } = readRegularFile(path, { follow: !noFollow }))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory'
      : code === 'ELOOP' ? 'it is a symbolic link' : code === 'ENOTFILE' ? 'it is not a regular file' : (err as Error).message
    throw new FerryError('E_CONFIG_INVALID', `cannot read ${what} ${path}: ${why}`, { cause: err })
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    // Not the parser's message: it quotes the text, and the file may be one the reader was not meant to see.
    const at = /position (\d+)/.exec((err as Error).message)?.[1]
    throw invalid(path, `not valid JSON${at === undefined ? '' : ` (at position ${at})`}`)
  }
  if (!isObject(data)) throw invalid(path, 'must hold a JSON object')
  return { data, stat }
}

function fileExists (path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function invalid (path: string, message: string): FerryError {
  return new FerryError('E_CONFIG_INVALID', `${path}: ${message}`)
}

/** "did you mean" for keys written in camelCase or snake_case. */
function suggestion (key: string): string {
  const kebab = key.replace(/_/g, '-').replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)
  return kebab !== key && SPECS.has(kebab) ? ` (did you mean "${kebab}"?)` : ''
}
