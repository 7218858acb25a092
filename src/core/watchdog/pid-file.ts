// The pid file of `ferry start -d` / `--pid-file`: one line, the watchdog's PID (so `kill $(cat FILE)` keeps working).
// A PID alone proves nothing — the file may be stale and the PID reused, or planted — so before anything acts on it
// (stop signals it, start refuses to run beside it) inspectPidFile() checks that the PID is this file's watchdog:
// titled 'Ferry watchdog', running as the file's owner, and started before the file was written.
import { closeSync, constants, ftruncateSync, lstatSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { FerryError } from '../errors.js'
import { distrust, isTrustedOwner, myUid, openOwnFile, readNoFollow, UnsafeFileError } from '../instance/file-trust.js'
import { isWatchdogTitle } from '../instance/instance-dir.js'
import { ensureRegistryDir } from '../instance/registry-dir.js'
import { processStartMs, processTitle, processUid } from '../instance/process-identity.js'
import { isProcessAlive } from '../instance/instance-dir.js'

/** btime has whole seconds and moves with clock corrections: a watchdog may seem to start this much after its file. */
const START_TIME_SLACK_MS = 2000

/** The registry's liveness test (a signal 0 that EPERM also answers), under the name the watchdog's callers use. */
export const isAlive = isProcessAlive

export type PidFileState =
  | { readonly kind: 'none' }
  | { readonly kind: 'watchdog', readonly pid: number }
  /** There is a file, but it names no watchdog of ours: `why` says what it names instead. */
  | { readonly kind: 'stale', readonly why: string, readonly pid?: number }

export function inspectPidFile (path: string): PidFileState {
  const st = lstatSync(path, { throwIfNoEntry: false })
  if (st === undefined) return { kind: 'none' }
  const unsafe = st.isFile() || st.isSymbolicLink() ? distrust(st, 'it') : 'it is not a regular file'
  if (unsafe !== undefined) return { kind: 'stale', why: unsafe }
  let text: string
  try { text = readNoFollow(path) } catch (err) {
    return { kind: 'stale', why: `it cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }
  }
  const pid = /^\s*(\d+)\s*$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(pid) || pid <= 0) return { kind: 'stale', why: 'it does not hold a PID' }
  if (!isAlive(pid)) return { kind: 'stale', pid, why: `PID ${pid} is not running` }
  const title = processTitle(pid)
  if (title !== undefined && !isWatchdogTitle(title)) return { kind: 'stale', pid, why: `PID ${pid} is not a Ferry watchdog (it is ${JSON.stringify(title)})` }
  const uid = processUid(pid)
  if (uid !== undefined && uid !== st.uid) return { kind: 'stale', pid, why: `PID ${pid} runs as uid ${uid}, but the pid file belongs to uid ${st.uid}` }
  const started = processStartMs(pid)
  if (started !== undefined && started > st.mtimeMs + START_TIME_SLACK_MS) {
    return { kind: 'stale', pid, why: `PID ${pid} started after the pid file was written (the PID was reused)` }
  }
  return { kind: 'watchdog', pid }
}

/** The watchdog's PID, or undefined when there is no pid file or it is stale. */
function readLivePid (path: string): number | undefined {
  const state = inspectPidFile(path)
  return state.kind === 'watchdog' ? state.pid : undefined
}

/**
 * Refuses to start over a live instance, or where the pid file could not be written safely (checked here, before
 * anything is forked, so the user hears it at the terminal). A stale file (dead, foreign or reused PID) is replaced.
 */
export function assertNotRunning (path: string): void {
  const pid = readLivePid(path)
  if (pid !== undefined && pid !== process.pid) {
    throw new FerryError('E_ALREADY_RUNNING', `Ferry is already running as PID ${pid} (pid file ${path}): stop it with \`ferry stop --pid-file ${path}\``)
  }
  const st = lstatSync(path, { throwIfNoEntry: false })
  const unsafe = st === undefined ? undefined
    : st.isSymbolicLink() && !isTrustedOwner(st.uid) ? `it is a symbolic link made by uid ${st.uid}, not by you (uid ${myUid()}) or root`
      : !st.isSymbolicLink() && !st.isFile() ? 'it is not a regular file'
        : !isTrustedOwner(st.uid) ? `it belongs to uid ${st.uid}, not to you (uid ${myUid()}) or root`
          : undefined
  if (unsafe !== undefined) throw new FerryError('E_PID_FILE', `cannot write pid file ${path}: ${unsafe}; remove it or pass another --pid-file`)
}

/** Writes the PID: a new file exclusively, an existing one only if it is ours (never through a planted symlink). */
export function writePidFile (path: string, pid = process.pid): void {
  try {
    // The default pid file lives in the default registry: made and checked as such (mode 0700, the caller's own).
    ensureRegistryDir(dirname(path))
    // No O_TRUNC at open: a file that turns out not to be ours must be left as it was.
    const fd = openOwnFile(path, constants.O_WRONLY, 0o644)
    try {
      ftruncateSync(fd, 0)
      writeSync(fd, `${pid}\n`)
    } finally { closeSync(fd) }
  } catch (err) {
    const why = err instanceof UnsafeFileError ? `${err.reason}; remove it or pass another --pid-file` : (err as Error).message
    throw new FerryError('E_PID_FILE', `cannot write pid file ${path}: ${why}`, { cause: err })
  }
}

/** Removes the file only if it still names this process (another instance may have taken it over). */
export function removePidFile (path: string, pid = process.pid): void {
  try {
    if (readNoFollow(path).trim() === String(pid)) rmSync(path, { force: true })
  } catch { /* already gone */ }
}
