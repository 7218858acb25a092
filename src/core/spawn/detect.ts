// Decides, once per app, how to start it: a start command makes it generic; --app-type names the kind; otherwise
// the directory tells, as Passenger's does: a Node entry file (--startup-file, app.js, server.js, index.js,
// package.json "main" or a `node <file>` start script, in that order), passenger_wsgi.py (Python, WSGI) or config.ru
// (Ruby, Rack). A directory with more than one of them is ambiguous: guessing would run the wrong program.
// Everything a user can get wrong here becomes a FerryError naming the path and the option that fixes it.
import { readFileSync, realpathSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { FerryError } from '../errors.js'
import type { AppSpec, AppType, Loader } from './loader.js'
import { createNodeLoader } from './node-loader.js'
import { createGenericLoader } from './generic-loader.js'
import { createPythonLoader, createRubyLoader } from './language-loader.js'
import { appIdentity, type Identity } from './identity.js'

export interface DetectOptions {
  readonly appType?: AppType | undefined
  readonly startupFile?: string | undefined
  readonly appStartCommand?: string | undefined
  readonly environment: string
  readonly envvars: Readonly<Record<string, string>>
  readonly startTimeoutSeconds: number
  readonly socketDir: string
  /** Who app processes run as when Ferry is root (--user, --group); by default the startup file's owner. */
  readonly user?: string | undefined
  readonly group?: string | undefined
  readonly scheduling?: 'batch' | 'normal' | undefined
  /** Variables of Ferry's environment an app running as another user still gets (--pass-env). */
  readonly passEnv?: readonly string[] | undefined
  /** The interpreters of Python and Ruby apps (--python, --ruby). */
  readonly python?: string | undefined
  readonly ruby?: string | undefined
}

const DEFAULT_STARTUP_FILES = ['app.js', 'server.js', 'index.js'] as const
const LOOKED_FOR = `${DEFAULT_STARTUP_FILES.join(', ')}, package.json "main", a "node <file>" start script, ` +
  'passenger_wsgi.py and config.ru'
/** What marks a directory as a Python or Ruby app when --app-type does not say (Passenger's markers). */
const PYTHON_MARKER = 'passenger_wsgi.py'
const RUBY_MARKER = 'config.ru'
/** With --app-type python and no --startup-file: the first of these that exists. */
const PYTHON_STARTUP_FILES = [PYTHON_MARKER, 'wsgi.py', 'app.py'] as const
const RUBY_STARTUP_FILES = [RUBY_MARKER] as const
/** Virtualenvs in the app root whose interpreter runs a Python app, in this order. */
const VIRTUAL_ENVS = ['venv', '.venv'] as const

export function detectApp (root: string, opts: DetectOptions): AppSpec {
  const appRoot = realAppRoot(root)
  const common = {
    root: appRoot,
    environment: opts.environment,
    env: Object.freeze({ ...opts.envvars }),
    startTimeoutMs: opts.startTimeoutSeconds * 1000,
    socketDir: opts.socketDir,
    ...(opts.scheduling === undefined ? {} : { scheduling: opts.scheduling }),
    ...(opts.passEnv === undefined || opts.passEnv.length === 0 ? {} : { passEnv: Object.freeze([...opts.passEnv]) })
  }
  const command = opts.appStartCommand?.trim()
  const identity = (ownerOf: string): { identity?: Identity } => {
    const id = appIdentity({ appRoot, ownerOf, user: opts.user, group: opts.group })
    return id === undefined ? {} : { identity: Object.freeze(id) }
  }
  // A start command always means a generic app, whatever --app-type says: it is the only way we know to run it.
  if (command !== undefined && command !== '') return Object.freeze({ ...common, type: 'generic', startCommand: command, ...identity(appRoot) })
  if (opts.appType === 'generic') {
    throw new FerryError('E_STARTUP_FILE_NOT_FOUND',
      `App at ${appRoot} is a generic app but has no start command; pass --app-start-command "CMD" (it must listen on $PORT)`)
  }
  const type = opts.appType ?? detectType(appRoot, opts.startupFile)
  if (type === 'python') {
    const startupFile = languageStartupFile(appRoot, opts.startupFile, PYTHON_STARTUP_FILES, 'Python')
    const virtualEnv = opts.python === undefined ? VIRTUAL_ENVS.map(d => join(appRoot, d)).find(d => isFile(join(d, 'bin', 'python'))) : undefined
    const interpreter = opts.python ?? (virtualEnv === undefined ? 'python3' : join(virtualEnv, 'bin', 'python'))
    return Object.freeze({ ...common, type, startupFile, interpreter, ...(virtualEnv === undefined ? {} : { virtualEnv }), ...identity(startupFile) })
  }
  if (type === 'ruby') {
    const startupFile = languageStartupFile(appRoot, opts.startupFile, RUBY_STARTUP_FILES, 'Ruby')
    const gemfile = join(appRoot, 'Gemfile')
    return Object.freeze({ ...common, type, startupFile, interpreter: opts.ruby ?? 'ruby', ...(isFile(gemfile) ? { gemfile } : {}), ...identity(startupFile) })
  }
  const startupFile = nodeStartupFile(appRoot, opts.startupFile)
  return Object.freeze({ ...common, type: 'node', startupFile, ...identity(startupFile) })
}

/**
 * The kind of app, when --app-type does not say: from the --startup-file's extension, else from what the directory
 * holds. Exactly one kind must be found; none or several is an error naming what was (and was not) found.
 */
function detectType (root: string, given: string | undefined): AppType {
  if (given !== undefined && given !== '') return given.endsWith('.py') ? 'python' : given.endsWith('.ru') ? 'ruby' : 'node'
  const found: Array<[AppType, string]> = []
  const node = findNodeStartupFile(root)
  if (node !== undefined) found.push(['node', `${node.slice(root.length + 1)} (Node)`])
  if (isFile(join(root, PYTHON_MARKER))) found.push(['python', `${PYTHON_MARKER} (Python)`])
  if (isFile(join(root, RUBY_MARKER))) found.push(['ruby', `${RUBY_MARKER} (Ruby)`])
  if (found.length === 1) return found[0]![0]
  if (found.length === 0) {
    throw new FerryError('E_STARTUP_FILE_NOT_FOUND',
      `No startup file found in ${root} (looked for ${LOOKED_FOR}); pass --startup-file FILE or --app-start-command "CMD"`)
  }
  throw new FerryError('E_APP_TYPE_AMBIGUOUS',
    `App at ${root} holds more than one kind of app: ${found.map(f => f[1]).join(', ')}; pass --app-type ${found.map(f => f[0]).join('|')}`)
}

/** --startup-file (relative to the root), else the first default name that exists. */
function languageStartupFile (root: string, given: string | undefined, defaults: readonly string[], language: string): string {
  if (given !== undefined && given !== '') return givenStartupFile(root, given)
  const found = defaults.map(name => join(root, name)).find(isFile)
  if (found !== undefined) return found
  throw new FerryError('E_STARTUP_FILE_NOT_FOUND',
    `No ${language} startup file found in ${root} (looked for ${defaults.join(', ')}); pass --startup-file FILE`)
}

function givenStartupFile (root: string, given: string): string {
  const path = resolve(root, given)
  if (isFile(path)) return path
  throw new FerryError('E_STARTUP_FILE_NOT_FOUND',
    `Startup file ${path} does not exist; pass a --startup-file that exists (relative to ${root})`)
}

/** The loader for each app type; the pool picks one by AppSpec.type. */
export function createLoaders (): Record<AppType, Loader> {
  return { node: createNodeLoader(), generic: createGenericLoader(), python: createPythonLoader(), ruby: createRubyLoader() }
}

function realAppRoot (root: string): string {
  let real: string
  try {
    real = realpathSync(root)
  } catch {
    throw new FerryError('E_APP_NOT_FOUND', `App directory ${root} does not exist; pass an existing app directory`)
  }
  if (!statSync(real).isDirectory()) {
    throw new FerryError('E_APP_NOT_FOUND', `${root} is not a directory; pass an existing app directory`)
  }
  return real
}

function nodeStartupFile (root: string, given: string | undefined): string {
  if (given !== undefined && given !== '') return givenStartupFile(root, given)
  const found = findNodeStartupFile(root)
  if (found !== undefined) return found
  throw new FerryError('E_STARTUP_FILE_NOT_FOUND',
    `No Node startup file found in ${root} (looked for ${DEFAULT_STARTUP_FILES.join(', ')}, package.json "main" and a ` +
    '"node <file>" start script); pass --startup-file FILE or --app-start-command "CMD"')
}

function findNodeStartupFile (root: string): string | undefined {
  return DEFAULT_STARTUP_FILES.map(name => join(root, name)).find(isFile) ?? fromPackageJson(root)
}

/** package.json "main" if that file exists, else the file of a `node <file>` start script. */
function fromPackageJson (root: string): string | undefined {
  const pkg = readPackageJson(root)
  if (pkg === undefined) return undefined
  if (typeof pkg.main === 'string' && pkg.main !== '') {
    const main = resolve(root, pkg.main)
    const hit = [main, `${main}.js`, join(main, 'index.js')].find(isFile)
    if (hit !== undefined) return hit
  }
  const start = typeof pkg.scripts === 'object' && pkg.scripts !== null ? (pkg.scripts as Record<string, unknown>).start : undefined
  const file = typeof start === 'string' ? /^\s*node\s+([^\s-]\S*)\s*$/.exec(start)?.[1] : undefined
  return file !== undefined && isFile(resolve(root, file)) ? resolve(root, file) : undefined
}

/** The parsed package.json, or undefined when there is none or it is not valid JSON (then it tells us nothing). */
function readPackageJson (root: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    return typeof parsed === 'object' && parsed !== null ? parsed as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

function isFile (path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
