// A small leveled logger. The core publishes through it; where lines go (a terminal, a log file) is decided once
// at start-up. Levels follow the reference's numbering: 0 crit … 5 debug.
import { LOG_LEVELS, type LogLevelName } from '../config/options.js'
import { RepeatSummary } from './repeats.js'

export interface Logger {
  readonly level: number
  /**
   * crit, error and warn lines that repeat within a few seconds are counted and summarised, not written again.
   * repeatKey says what counts as the same line when the message has parts that vary (a URL, an error ID).
   */
  crit (msg: string, repeatKey?: string): void
  error (msg: string, repeatKey?: string): void
  warn (msg: string, repeatKey?: string): void
  notice (msg: string): void
  info (msg: string): void
  debug (msg: string): void
  /** Stack traces and other detail: only at debug level. */
  errorDetail (err: unknown): void
}

export interface LogSink { write (line: string): unknown }

function levelNumber (level: string): number {
  const byName = LOG_LEVELS.indexOf(level as LogLevelName)
  if (byName >= 0) return byName
  const n = Number(level)
  return Number.isInteger(n) && n >= 0 ? Math.min(n, LOG_LEVELS.length - 1) : 3
}

/** One line of the log, newline included: `[time LEVEL prefix pid] message`. */
export function formatLogLine (level: number, prefix: string, msg: string): string {
  const tag = LOG_LEVELS[level]!.toUpperCase().padEnd(6)
  return `[${new Date().toISOString()} ${tag} ${prefix}${process.pid}] ${msg}\n`
}

export function createLogger (sink: LogSink, level: string | number = 'notice', prefix = ''): Logger {
  const threshold = typeof level === 'number' ? level : levelNumber(level)
  const write = (n: number, msg: string): void => { sink.write(formatLogLine(n, prefix, msg)) }
  const repeats = new RepeatSummary(write)
  const emit = (n: number, msg: string): void => {
    if (n <= threshold) write(n, msg)
  }
  const emitOnce = (n: number, msg: string, key: string | undefined): void => {
    if (n <= threshold && repeats.admit(n, key ?? msg)) write(n, msg)
  }
  return {
    level: threshold,
    crit: (msg, key) => emitOnce(0, msg, key),
    error: (msg, key) => emitOnce(1, msg, key),
    warn: (msg, key) => emitOnce(2, msg, key),
    notice: msg => emit(3, msg),
    info: msg => emit(4, msg),
    debug: msg => emit(5, msg),
    errorDetail: err => { if (threshold >= 5 && err instanceof Error && err.stack !== undefined) emit(5, err.stack) }
  }
}
