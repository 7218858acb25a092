// A small leveled logger. The core publishes through it; where lines go (a terminal, a log file) is decided once
// at start-up. Levels follow the reference's numbering: 0 crit … 5 debug.
import { LOG_LEVELS, type LogLevelName } from '../config/options.js'

export interface Logger {
  readonly level: number
  crit (msg: string): void
  error (msg: string): void
  warn (msg: string): void
  notice (msg: string): void
  info (msg: string): void
  debug (msg: string): void
  /** Stack traces and other detail: only at debug level. */
  errorDetail (err: unknown): void
}

export interface LogSink { write (line: string): unknown }

export function levelNumber (level: string): number {
  const byName = LOG_LEVELS.indexOf(level as LogLevelName)
  if (byName >= 0) return byName
  const n = Number(level)
  return Number.isInteger(n) && n >= 0 ? Math.min(n, LOG_LEVELS.length - 1) : 3
}

export function createLogger (sink: LogSink, level: string | number = 'notice', prefix = ''): Logger {
  const threshold = typeof level === 'number' ? level : levelNumber(level)
  const emit = (n: number, msg: string): void => {
    if (n > threshold) return
    const tag = LOG_LEVELS[n]!.toUpperCase().padEnd(6)
    sink.write(`[${new Date().toISOString()} ${tag} ${prefix}${process.pid}] ${msg}\n`)
  }
  return {
    level: threshold,
    crit: msg => emit(0, msg),
    error: msg => emit(1, msg),
    warn: msg => emit(2, msg),
    notice: msg => emit(3, msg),
    info: msg => emit(4, msg),
    debug: msg => emit(5, msg),
    errorDetail: err => { if (threshold >= 5 && err instanceof Error && err.stack !== undefined) emit(5, err.stack) }
  }
}

/** A logger that drops everything, for tests and for code paths that run before logging is set up. */
export const silentLogger: Logger = createLogger({ write: () => true }, -1)
