// Whose files Ferry may believe and write through. Pid files, log files and instance directories often live in shared
// places, where another local user can plant a file, a symlink or a whole fake instance with the expected name. So:
//   - a file Ferry writes is created exclusively when new, and an existing one is used only when it belongs to the
//     caller or root and has no other hard links; a symlink is followed only when the caller or root made it
//     (as the kernel's protected_symlinks does in sticky directories, whether or not that is switched on);
//   - a file or directory Ferry believes (instance directory, passwords, pid file) must belong to the caller or root,
//     must not be writable by group or others, and must not be a symlink.
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, type Stats } from 'node:fs'

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants

/** The caller's effective uid (0 where there are no uids). */
export const myUid = (): number => process.geteuid?.() ?? 0

/** Files of these users are trusted: the caller's own, and root's (root can do anything to us anyway). */
export const isTrustedOwner = (uid: number): boolean => uid === myUid() || uid === 0

/** A directory others (group or world) may write to, and not sticky: they could swap what is in it for their own. */
export function openToOthers (mode: number): boolean {
  return (mode & 0o022) !== 0 && (mode & 0o1000) === 0
}

/** A mode as ls and chmod write it: 0755. `bits`: which bits (0o7777 to show the sticky bit). */
export function octalMode (mode: number, bits = 0o777): string {
  return (mode & bits).toString(8).padStart(4, '0')
}

/**
 * Why `st` (from lstat) may not be believed, or undefined when it may: a symlink, another user's, or writable by
 * group or others. `what` names it in the reason, e.g. 'instance directory /run/ferry/ferry.abc'.
 */
export function distrust (st: Stats, what: string): string | undefined {
  if (st.isSymbolicLink()) return `${what} is a symbolic link`
  if (!isTrustedOwner(st.uid)) return `${what} belongs to uid ${st.uid}, not to you (uid ${myUid()}) or root`
  if ((st.mode & 0o022) !== 0) {
    const who = (st.mode & 0o022) === 0o022 ? 'its group and others' : (st.mode & 0o020) !== 0 ? 'its group' : 'others'
    return `${what} is writable by ${who} (mode ${octalMode(st.mode)})`
  }
  return undefined
}

/** Why an existing file may not be written by Ferry, or undefined. `st` from fstat of the opened file. */
function refuseToWrite (st: Stats): string | undefined {
  if (st.isDirectory()) return 'it is a directory'
  if (!isTrustedOwner(st.uid)) return `it belongs to uid ${st.uid}, not to you (uid ${myUid()}) or root`
  if (st.isFile() && st.nlink > 1) return `it has ${st.nlink - 1} other hard link(s), which may be anyone's file`
  return undefined
}

export class UnsafeFileError extends Error {
  constructor (readonly path: string, readonly reason: string) { super(`${path}: ${reason}`) }
}

/** Thrown by readRegularFile for a FIFO, device, directory or socket: coded like the system's errors it comes with. */
class NotRegularFileError extends Error {
  readonly code = 'ENOTFILE'
  constructor (path: string) { super(`${path} is not a regular file`) }
}

/**
 * Opens `path` for writing (`flags`: e.g. O_WRONLY | O_APPEND) without being led elsewhere: a new file is created
 * exclusively with `mode`; an existing one must pass refuseToWrite(); a symlink is followed only when the caller or
 * root owns it (e.g. /dev/stdout). Throws UnsafeFileError with the reason, or the system error.
 */
export function openOwnFile (path: string, flags: number, mode: number): number {
  // Opened non-blocking: a FIFO planted at the path would otherwise hang the open until someone reads it.
  const open = flags | O_NONBLOCK
  for (let attempt = 0; ; attempt++) {
    const link = lstatSync(path, { throwIfNoEntry: false })
    let fd: number
    try {
      if (link === undefined) fd = openSync(path, open | O_CREAT | O_EXCL | O_NOFOLLOW, mode)
      else if (!link.isSymbolicLink()) fd = openSync(path, open | O_NOFOLLOW)
      else if (!isTrustedOwner(link.uid)) throw new UnsafeFileError(path, `it is a symbolic link made by uid ${link.uid}, not by you (uid ${myUid()}) or root`)
      else fd = openSync(path, open | O_CREAT, mode)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      // Created or replaced by someone else between lstat and open: look again (once), never follow blindly.
      if ((code === 'EEXIST' || code === 'ELOOP' || code === 'ENOENT') && attempt === 0) continue
      if (code === 'ELOOP') throw new UnsafeFileError(path, 'it is a symbolic link')
      if (code === 'ENXIO') throw new UnsafeFileError(path, 'it is a FIFO nobody reads')
      throw err
    }
    const st = fstatSync(fd)
    const reason = refuseToWrite(st)
    if (reason !== undefined) {
      closeSync(fd)
      throw new UnsafeFileError(path, reason)
    }
    if (st.isFile()) return fd
    // A pipe or terminal of the caller's own (--log-file /dev/stdout): the same file again, blocking, so that a full
    // pipe makes writes wait rather than fail.
    try { return openSync(`/proc/self/fd/${fd}`, flags & ~(O_CREAT | O_EXCL)) } finally { closeSync(fd) }
  }
}

/**
 * A regular file's text and the stat of the very file read (not of whatever the path names a moment later). Never
 * through a symlink (ELOOP) unless `follow`; non-blocking, so a FIFO planted at the path cannot hang the read; anything
 * but a regular file throws NotRegularFileError (code ENOTFILE).
 */
export function readRegularFile (path: string, o: { follow?: boolean } = {}): { text: string, stat: Stats } {
  const fd = openSync(path, constants.O_RDONLY | O_NONBLOCK | (o.follow === true ? 0 : O_NOFOLLOW))
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new NotRegularFileError(path)
    return { text: readFileSync(fd, 'utf8'), stat }
  } finally { closeSync(fd) }
}

/** The file's text, refusing (ELOOP) to read it through a symlink. */
export function readNoFollow (path: string): string { return readRegularFile(path).text }
