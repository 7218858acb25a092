// Opening a log file for appending, as start, the daemon and `ferry reopen-logs` all must: never through a symlink or
// hard link another user planted at the path (file-trust.ts), with the one-line error a user can act on.
import { constants } from 'node:fs'
import { FerryError } from '../errors.js'
import { openOwnFile, UnsafeFileError } from '../instance/file-trust.js'

/** The directory is not created: a typo in the path should fail here, not quietly make directories as root. */
export function openLogForAppend (path: string): number {
  try {
    return openOwnFile(path, constants.O_WRONLY | constants.O_APPEND, 0o640)
  } catch (err) {
    const why = err instanceof UnsafeFileError ? `${err.reason}; Ferry does not write through it` : (err as Error).message
    throw new FerryError('E_LOG_FILE', `cannot write log file ${path}: ${why}; pass a writable --log-file`, { cause: err })
  }
}
