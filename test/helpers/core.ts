// Runs a real Ferry core inside the test's own process: the same composition root the watchdog forks (real config
// resolution, loaders, app processes, front server, sockets), without starting the CLI, a watchdog and a core
// process for every test. For what only the CLI and the watchdog do (banner, pid file, the core's own process,
// restarts and signals, the kept or shared listening socket, --bypass), tests keep startFerry() from ferry.ts, which
// runs `bin/run.js` as a user would, and live in test/cli/ (test/unit/test-tiers.test.ts keeps bin/run.js out of
// test/integration). A core that fails to start here may leave its listeners open in the test's process: tests of
// start-up errors belong to startFerry too.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { TestContext } from 'node:test'
import { Args, Parser } from '@oclif/core'
import { flagsFor, rawFlagValues } from '../../src/cli/flags.js'
import { loadServeConfig } from '../../src/core/config/apps.js'
import { checkBypass } from '../../src/core/config/bypass-rules.js'
import { createLogger } from '../../src/core/log/logger.js'
import { InstanceEntry, preflight, runCore, StartupTracker, type StartEvent } from './core-entry.js'

export interface InProcessCore {
  readonly url: string
  /**
   * The process the core runs in: this test's own. Its children are the app processes the core started, as a core
   * process's are; what only the core's own process can show (its memory, its scheduling, that it was not
   * restarted) needs startFerry().
   */
  readonly corePid: number
  /** The core's log so far (what `ferry start` would print of it, without the watchdog's lines and the banner). */
  output (): string
  /** Stops the core gracefully (drains, stops the app processes); resolves its exit code once it has. */
  stop (): Promise<number>
}

/** What startFerry's `env` may set here: the core reads the rest of process.env itself, as its own process would. */
export interface CoreEnv { readonly FERRY_INSTANCE_REGISTRY_DIR?: string }

/**
 * Like startFerry(t, appDir, args, env): `ferry start APP_DIR --port 0 --address 127.0.0.1 ...args`, in this process;
 * appDir undefined is `ferry start --config FILE ...` (the apps the file lists).
 * Given a registry (--instance-registry-dir or FERRY_INSTANCE_REGISTRY_DIR), the instance is registered there as the
 * watchdog registers it, with its admin API; without one, it has none.
 */
export async function startCore (t: TestContext, appDir: string | undefined, args: readonly string[] = [], env: CoreEnv = {}): Promise<InProcessCore> {
  return await runInProcess(t, 'start', appDir, ['--port', '0', '--address', '127.0.0.1', ...args], env)
}

/**
 * Like startFly(t, socketFile, args, env): `ferry fly --socket-file PATH ...args` (flying mode: the apps of --config,
 * or those a trusted front server names), in this process; `url` is `unix:PATH`.
 */
export async function flyCore (t: TestContext, socketFile: string, args: readonly string[] = [], env: CoreEnv = {}): Promise<InProcessCore> {
  return await runInProcess(t, 'fly', undefined, ['--socket-file', socketFile, ...args], env)
}

async function runInProcess (t: TestContext, command: 'start' | 'fly', appDir: string | undefined, argv: readonly string[], env: CoreEnv): Promise<InProcessCore> {
  // `ferry fly` takes no APP_DIR: a stray argument is refused there as the command refuses it.
  const args: Record<string, ReturnType<typeof Args.string>> = command === 'start' ? { APP_DIR: Args.string() } : {}
  const parsed = await Parser.parse([...argv], { flags: flagsFor(command), args, strict: true })
  const flags = rawFlagValues(parsed.flags as Record<string, unknown>, command)
  const configFile = typeof flags.config === 'string' ? resolve(flags.config) : undefined
  const loaded = loadServeConfig({ flags, env: { ...process.env, ...env }, appDir, configFile })
  checkBypass({ instance: loaded.instance.options, apps: loaded.apps, command })
  const { options, sources } = loaded.instance
  // As the watchdog does for each core: a private directory for the app sockets, which the core removes on stop.
  const socketDir = mkdtempSync(join(tmpdir(), 'ferry-'))
  chmodSync(socketDir, 0o711)
  t.after(() => rmSync(socketDir, { recursive: true, force: true }))
  let out = ''
  const sink = { write: (line: string) => { out += line; return true } }
  const registered = flags['instance-registry-dir'] !== undefined || env.FERRY_INSTANCE_REGISTRY_DIR !== undefined
  // Listed as the watchdog lists it: a flying instance (ferry fly) or a standalone one.
  const mode = command === 'fly' ? 'flying' : 'standalone'
  const entry = registered ? new InstanceEntry(options.instanceRegistryDir, createLogger(sink, 'notice', 'watchdog '), mode) : undefined
  const config = { ...preflight({ appDir, configFile, flags, options, sources }, loaded.apps), socketDir, instanceDir: entry?.dir }

  let url: string | undefined
  let failure: string | undefined
  let exited!: (code: number) => void
  const done = new Promise<number>(resolve => { exited = resolve })
  const tracker = new StartupTracker()
  let isReady = false
  let started!: () => void
  const ready = new Promise<void>(resolve => { started = () => { isReady = true; resolve() } })
  const onEvent = (e: StartEvent): void => {
    if (e.type === 'listening') { url = e.url; entry?.coreListening(e.corePid, e.url) }
    if (e.type === 'error') failure = `${e.code}: ${e.message}`
    // 'registered' is the watchdog's event; here the instance is registered (or not) as soon as the core listens.
    if (tracker.complete(e) || (e.type === 'listening' && tracker.complete({ type: 'registered' }))) started()
  }
  const stopCore = await runCore(config, {
    report: onEvent,
    sink,
    exit: code => exited(code),
    ownsSignals: false
  })
  if (stopCore === undefined) {
    entry?.remove()
    throw new Error(`Ferry core did not start: ${failure ?? '?'}\n${out}`)
  }
  let stopped: Promise<number> | undefined
  const stop = async (): Promise<number> => {
    stopped ??= (async () => {
      stopCore('the test is over')
      const code = await done
      entry?.remove()
      return code
    })()
    return await stopped
  }
  t.after(stop)
  // As long as startFerry() waits for the banner.
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<void>(resolve => { timer = setTimeout(resolve, 30_000) })
  await Promise.race([ready, done, deadline])
  clearTimeout(timer)
  if (!isReady || url === undefined) throw new Error(`Ferry core did not start within 30 s:\n${out}`)
  return { url, corePid: process.pid, output: () => out, stop }
}
