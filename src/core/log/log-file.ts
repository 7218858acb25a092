// A log file that can be reopened after logrotate moved it (`ferry reopen-logs`, POST /reopen_logs.json). Writing
// never blocks the event loop (see fd-writer.ts); what is still queued at exit is written before the process ends.
import { closeSync } from 'node:fs'
import { FdWriter } from './fd-writer.js'
import { formatLogLine, type LogSink } from './logger.js'
import { openLogForAppend } from './open-log.js'

export class LogFile implements LogSink {
  readonly path: string
  readonly #writer: FdWriter

  constructor (path: string, o: { prefix?: string } = {}) {
    this.path = path
    this.#writer = new FdWriter(openLogForAppend(path), { droppedLine: droppedLogLine(o.prefix ?? '') })
  }

  write (line: string): boolean {
    return this.#writer.write(line)
  }

  /** Opens the path again (a new file if it was moved away); the old descriptor closes once its lines are out. */
  reopen (): void {
    this.#writer.switchTo(openLogForAppend(this.path), old => { try { closeSync(old) } catch {} })
  }
}

/** The log's own terminal (no --log-file): the same non-blocking, bounded writing, on stderr's descriptor. */
export function stderrSink (prefix = ''): LogSink {
  return new FdWriter(2, { droppedLine: droppedLogLine(prefix) })
}

function droppedLogLine (prefix: string): (lines: number, bytes: number) => string {
  return (lines, bytes) => formatLogLine(2, prefix, `dropped ${lines} log lines (${bytes} bytes): the log could not keep up`)
}
