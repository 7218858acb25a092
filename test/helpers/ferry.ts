// Starts a real Ferry (`bin/run.js start …` as a subprocess, as a user would) and stops it after the test.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { once } from 'node:events'
import type { TestContext } from 'node:test'
import { repoRoot } from './tmp.js'

export const ferryBin = join(repoRoot, 'bin', 'run.js')

export interface RunningFerry {
  readonly url: string
  readonly proc: ChildProcess
  readonly corePid: number
  output (): string
  /** SIGTERM the watchdog and wait for it to exit; resolves its exit code. */
  stop (signal?: NodeJS.Signals): Promise<number | null>
}

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g // eslint-disable-line no-control-regex

export function stripAnsi (s: string): string { return s.replace(ANSI, '') }

export async function startFerry (t: TestContext, appDir: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}, launcher: readonly string[] = []): Promise<RunningFerry> {
  return await runFerry(t, ['start', appDir, '--port', '0', '--address', '127.0.0.1', ...args], env, launcher)
}

/** `ferry fly --socket-file PATH ...` in the foreground; `url` is `unix:PATH`. */
export async function startFly (t: TestContext, socketFile: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningFerry> {
  return await runFerry(t, ['fly', '--socket-file', socketFile, ...args], env)
}

/**
 * Runs any serving command line (start or fly) and resolves once its banner is printed. `launcher`: a command that
 * execs node with the rest (`chrt --idle 0`, say), so Ferry starts as such a wrapper would start it.
 */
export async function runFerry (t: TestContext, argv: readonly string[], env: NodeJS.ProcessEnv = {}, launcher: readonly string[] = []): Promise<RunningFerry> {
  const [file, ...pre] = [...launcher, process.execPath]
  const proc = spawn(file!, [...pre, ferryBin, ...argv], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString() })
  proc.stderr!.on('data', (c: Buffer) => { out += c.toString() })
  const exited = once(proc, 'exit')
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode
    proc.kill(signal)
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000)
    const [code] = await exited as [number | null]
    clearTimeout(timer)
    return code
  }
  t.after(() => stop())
  const deadline = Date.now() + 30_000
  for (;;) {
    const m = /URL:\s+(\S+)/.exec(stripAnsi(out))
    const pid = /PID:\s+\d+ \(watchdog\), (\d+) \(core\)/.exec(stripAnsi(out))
    if (m !== null && pid !== null) return { url: m[1]!, proc, corePid: Number(pid[1]), output: () => stripAnsi(out), stop }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`Ferry did not start:\n${out}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

/** How many app processes the instance has logged as ready so far. */
export function readyCount (f: Pick<RunningFerry, 'output'>): number {
  return f.output().match(/app process \d+ of .* is ready/g)?.length ?? 0
}

/**
 * Waits (5 s at most) for the instance's output to match `re`. The core writes its log in the background, so a line
 * about a request may arrive after the request's response: asserting on the output at once would race it.
 */
export async function logged (f: Pick<RunningFerry, 'output'>, re: RegExp, what?: string): Promise<void> {
  const deadline = Date.now() + 5_000
  while (!re.test(f.output())) {
    if (Date.now() > deadline) throw new Error(`${what ?? 'the output'} never matched ${String(re)}:\n${f.output()}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}
