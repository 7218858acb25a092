// How a process ended, in words for the log and for errors: the group's early-death error and the exit log line.
import type { ExitInfo } from '../spawn/loader.js'

export function describeExit (info: ExitInfo): string {
  return info.signal !== null ? `by signal ${info.signal}` : `with code ${info.code ?? '?'}`
}
