// Decides, once per app, how to start it: a start command makes it generic; otherwise it is a Node app whose entry
// file is --startup-file, app.js, server.js, index.js, package.json "main" or a `node <file>` start script, in that
// order. Everything a user can get wrong here becomes a FerryError naming the path and the option that fixes it.
import { readFileSync, realpathSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { FerryError } from '../errors.js'
import type { AppSpec, AppType, Loader } from './loader.js'
import { createNodeLoader } from './node-loader.js'
import { createGenericLoader } from './generic-loader.js'
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
}

const DEFAULT_STARTUP_FILES = ['app.js', 'server.js', 'index.js'] as const
const LOOKED_FOR = `${DEFAULT_STARTUP_FILES.join(', ')}, package.json "main" and a "node <file>" start script`

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
  const startupFile = nodeStartupFile(appRoot, opts.startupFile)
  return Object.freeze({ ...common, type: 'node', startupFile, ...identity(startupFile) })
}

/** The loader for each app type; the pool picks one by AppSpec.type. */
export function createLoaders (): Record<AppType, Loader> {
  return { node: createNodeLoader(), generic: createGenericLoader() }
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
  if (given !== undefined && given !== '') {
    const path = resolve(root, given)
    if (isFile(path)) return path
    throw new FerryError('E_STARTUP_FILE_NOT_FOUND',
      `Startup file ${path} does not exist; pass a --startup-file that exists (relative to ${root})`)
  }
  const found = DEFAULT_STARTUP_FILES.map(name => join(root, name)).find(isFile) ?? fromPackageJson(root)
  if (found !== undefined) return found
  throw new FerryError('E_STARTUP_FILE_NOT_FOUND',
    `No startup file found in ${root} (looked for ${LOOKED_FOR}); pass --startup-file FILE or --app-start-command "CMD"`)
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
