import { readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { FerryError } from '../errors.js'

export function isAlive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/** The PID in the file, or undefined when there is no file or it names no live process. */
export function readLivePid (path: string): number | undefined {
  let text: string
  try { text = readFileSync(path, 'utf8') } catch { return undefined }
  const pid = Number.parseInt(text.trim(), 10)
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined
}

/** Refuses to start over a live instance; a stale file (dead PID) is simply replaced. */
export function assertNotRunning (path: string): void {
  const pid = readLivePid(path)
  if (pid !== undefined && pid !== process.pid) {
    throw new FerryError('E_ALREADY_RUNNING', `Ferry is already running as PID ${pid} (pid file ${path}): stop it with \`ferry stop --pid-file ${path}\``)
  }
}

export function writePidFile (path: string, pid = process.pid): void {
  try {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, `${pid}\n`, { mode: 0o644 })
  } catch (err) {
    throw new FerryError('E_PID_FILE', `cannot write pid file ${path}: ${(err as Error).message}`, { cause: err })
  }
}

/** Removes the file only if it still names this process (another instance may have taken it over). */
export function removePidFile (path: string, pid = process.pid): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(pid)) rmSync(path, { force: true })
  } catch { /* already gone */ }
}
