// A log file that can be reopened after logrotate moved it (POST /reopen_logs.json). Lines are written
// synchronously so the last ones before an exit are not lost; logging is never on the request path's hot loop.
import { closeSync, openSync, writeSync } from 'node:fs'
import type { LogSink } from './logger.js'

export class LogFile implements LogSink {
  readonly path: string
  #fd: number

  constructor (path: string) {
    this.path = path
    this.#fd = openSync(path, 'a', 0o640)
  }

  write (line: string): boolean {
    try { writeSync(this.#fd, line); return true } catch { return false }
  }

  /** Opens the path again (a new file if it was moved away), then closes the old descriptor. */
  reopen (): void {
    const old = this.#fd
    this.#fd = openSync(this.path, 'a', 0o640)
    closeSync(old)
  }
}
