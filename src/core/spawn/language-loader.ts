// The Python (WSGI) and Ruby (Rack) loaders: the app runs inside a loader script shipped with Ferry, written in the
// app's own language (loaders/wsgi_loader.py, loaders/rack_loader.rb). The script loads the app, listens on a
// Unix socket chosen here, speaks HTTP/1.1 with keep-alive to the core, and talks to the core over the same IPC
// channel Node apps use (see app-channel.ts): "ferry:ready" once its socket accepts, out-of-band work on request,
// and a closed channel or SIGTERM means finish the request in hand and exit. Such an app serves one request at a
// time per process, as under Passenger, so the pool grows under load instead.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AppSpec, AppType, Loader, SpawnedProcess, SpawnHooks } from './loader.js'
import { commandLine, startChild, toSpawnedProcess } from './child.js'
import { awaitReady } from './ready.js'
import { appEnv } from './app-env.js'
import { seconds, spawnFailure, throwIfCancelled } from './failure.js'
import { askOobWork, closeChannel, readyMessage } from './app-channel.js'
import { socketPathFor } from './app-socket.js'

// The scripts are not compiled: from dist/src/core/spawn/ they are found back in src/.
const LOADERS_DIR = fileURLToPath(new URL('../../../../src/core/spawn/loaders/', import.meta.url))

/** Requests one process serves at once: the loaders handle one at a time (--concurrency overrides it). */
const CONCURRENCY = 1

interface Language {
  readonly type: Extract<AppType, 'python' | 'ruby'>
  readonly name: string
  readonly script: string
  /** Starts socket file names, so a listing tells the kinds apart. */
  readonly socketPrefix: string
  /** What the loader script needs beyond the common variables. */
  readonly env: (app: AppSpec, base: NodeJS.ProcessEnv) => Record<string, string>
}

const PYTHON: Language = {
  type: 'python',
  name: 'Python',
  script: 'wsgi_loader.py',
  socketPrefix: 'p',
  // As `activate` would: the venv's bin first on PATH, so the app's subprocesses find its tools too.
  env: (app, base): Record<string, string> => app.virtualEnv === undefined
    ? {}
    : { VIRTUAL_ENV: app.virtualEnv, PATH: `${join(app.virtualEnv, 'bin')}:${base.PATH ?? ''}` }
}

const RUBY: Language = {
  type: 'ruby',
  name: 'Ruby',
  script: 'rack_loader.rb',
  socketPrefix: 'r',
  // bundle exec semantics: the loader requires bundler/setup against this Gemfile before it loads rack or the app.
  env: (app): Record<string, string> => app.gemfile === undefined ? {} : { BUNDLE_GEMFILE: app.gemfile }
}

export function createPythonLoader (): Loader { return createLanguageLoader(PYTHON) }
export function createRubyLoader (): Loader { return createLanguageLoader(RUBY) }

function createLanguageLoader (lang: Language): Loader {
  return Object.freeze({ type: lang.type, concurrency: CONCURRENCY, spawn: (app: AppSpec, hooks?: SpawnHooks, signal?: AbortSignal) => spawnApp(lang, app, hooks, signal) })
}

async function spawnApp (lang: Language, app: AppSpec, hooks?: SpawnHooks, signal?: AbortSignal): Promise<SpawnedProcess> {
  const interpreter = app.interpreter ?? (lang.type === 'python' ? 'python3' : 'ruby')
  // The startup file is an argument too: the loader overwrites its argv with its title, which needs the room.
  const args = [join(LOADERS_DIR, lang.script), app.startupFile ?? '']
  const command = commandLine(interpreter, args)
  throwIfCancelled(app, command, signal)
  if (app.startupFile === undefined) {
    throw spawnFailure(`App at ${app.root} has no startup file; pass --startup-file`, { reason: 'failed', app, command })
  }
  const socketPath = socketPathFor(app, command, lang.socketPrefix)
  const base = appEnv(app, { FERRY_SOCKET_PATH: socketPath })
  const child = await startChild({
    app,
    file: interpreter,
    args,
    command,
    env: { ...base, ...lang.env(app, base) },
    ipc: true,
    hooks,
    beforeStop: closeChannel,
    afterExit: () => rm(socketPath, { force: true })
  })
  const message = `${lang.name} app process for ${app.root} did not load within ${seconds(app.startTimeoutMs)}; ` +
    'raise --start-timeout if it needs longer (see its output in the log)'
  await awaitReady({
    child,
    app,
    signal,
    waitReady: until => readyMessage(child.process, socketPath, until),
    timeout: { reason: 'timeout', message }
  })
  const proc = child.process
  return toSpawnedProcess(child, { kind: 'unix', socketPath }, CONCURRENCY, { oobWork: timeoutMs => askOobWork(proc, timeoutMs) })
}
