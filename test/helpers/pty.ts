// Runs `ferry …` on a pseudo-terminal, as a user at a terminal would, through script(1) from util-linux: for what
// only happens on a terminal (colours, the --watch screen, keys). Tests skip, saying so, where script is missing.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { ferryBin } from './ferry.js'

export const SCRIPT = ['/usr/bin/script', '/bin/script'].find(p => existsSync(p))

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

export interface PtyRun {
  readonly proc: ChildProcess
  /** Everything the command wrote to the terminal so far, escape sequences included. */
  output (): string
  /** Types on the terminal's keyboard. */
  type (keys: string): void
  /** Resolves the exit code once the command (and script) ended. */
  readonly exited: Promise<number | null>
}

export function ferryOnPty (args: readonly string[], env: NodeJS.ProcessEnv = {}): PtyRun {
  if (SCRIPT === undefined) throw new Error('script(1) is not installed')
  const command = [process.execPath, ferryBin, ...args].map(shellQuote).join(' ')
  // -e: script exits with the command's exit code; -f: flush output at once; -q: no "Script started" lines.
  // A variable given as undefined is left out (NO_COLOR: undefined runs without NO_COLOR whatever the caller has).
  // CI is left out too: a person's terminal, not a CI job's (chalk turns colours off whenever CI is set, TTY or not).
  const merged: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', CI: undefined, ...env }
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k]
  const proc = spawn(SCRIPT, ['-qfec', command, '/dev/null'], { env: merged, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString() })
  proc.stderr!.on('data', (c: Buffer) => { out += c.toString() })
  const exited = new Promise<number | null>(resolve => proc.on('exit', code => resolve(code)))
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000)
  void exited.then(() => clearTimeout(timer))
  return { proc, output: () => out, type: keys => { proc.stdin!.write(keys) }, exited }
}
