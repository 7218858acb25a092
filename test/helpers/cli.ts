// Runs the `ferry` executable as a user would and returns its exit code and output, ANSI stripped.
import { spawn } from 'node:child_process'
import { ferryBin, stripAnsi } from './ferry.js'

export interface CliResult { code: number | null, stdout: string, stderr: string }

export function runCli (args: readonly string[], opts: { env?: NodeJS.ProcessEnv, timeoutMs?: number, cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [ferryBin, ...args], { env: { ...process.env, NO_COLOR: '1', ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    p.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`ferry ${args.join(' ')} did not finish:\n${stdout}${stderr}`)) }, opts.timeoutMs ?? 30_000)
    p.on('exit', code => { clearTimeout(timer); resolve({ code, stdout: stripAnsi(stdout), stderr: stripAnsi(stderr) }) })
  })
}
