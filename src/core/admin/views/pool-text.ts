// `ferry status` text view: the header and the pool body laid out like `passenger-status --show=pool`, so that
// scripts written against Passenger's output keep parsing it. Pure: data in, string out.
//
// Layout rules of the process lines (taken from the reference output, character by character):
//   `  * PID: ` + pid       padded right to 5 + 3 spaces
//   `Sessions: ` + sessions padded right to 2 + 6 spaces
//   `Processed: ` + count   padded right to 5 + 3 spaces
//   `Uptime: ` + duration
//   `    CPU: ` + `N%`      padded right to 5 + 3 spaces
//   `Memory  : ` + `NM`     padded right to 5 + 3 spaces
//   `Last used: ` + duration + ` ago`
// So with values no wider than their field, Sessions/Memory start at column 17, Processed/Last used at 35 and
// Uptime at 54. A wider value pushes the rest of its line right (padding never truncates); the 3/6-space gaps
// after a field are always kept, so whitespace-separated parsing still works.
import type { GroupSnapshot, ProcessSnapshot } from '../../pool/snapshot.js'
import { realMemoryKb, type InstanceInfo, type ProcessMetrics, type StatusSnapshot } from '../status-snapshot.js'
import { orderProcesses } from './common.js'
import { formatSince } from './duration.js'

export interface PoolTextOptions {
  /** The time the durations are measured against (ms since the epoch). */
  readonly now: number
  /** Adds each process's command line. */
  readonly verbose?: boolean
  /** Emits ANSI colour codes on the section headings (as Passenger does on a terminal). */
  readonly colorize?: boolean
  /**
   * Only lines passenger-status prints (--passenger-compat): Ferry's own lines (last spawn error, the command in
   * verbose mode, a listed dead process) are left out and a process away for out-of-band work is marked DISABLED,
   * Passenger's word for a process out of rotation, so line-by-line parsers meet nothing they do not know.
   */
  readonly passengerCompat?: boolean
}

/** The line after a stopping process's two lines (Passenger's wording for a detached process). */
const SHUTTING_DOWN_LINE = '    Shutting down...'
/** The line after a process that is out of rotation doing out-of-band work. */
export const OOB_WORK_LINE = '    Doing out-of-band work...'
/** The line after a dead process that is still listed. */
const EXITED_LINE = '    Exited'
/** Passenger's line after a disabled process (out of rotation), used for out-of-band work with passengerCompat. */
const DISABLED_LINE = '    DISABLED'
/** Passenger's line while a group restarts. */
const RESTARTING_LINE = '  (restarting...)'

const pad2 = (n: number): string => String(n).padStart(2, '0')

/** `YYYY-MM-DD HH:MM:SS +0000`, in UTC. */
function formatUtcDate (d: Date): string {
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`
}

/**
 * The three header lines and the blank line after them, so that header + body reproduces the whole of
 * `passenger-status` output.
 */
export function renderStatusHeader (instance: InstanceInfo, now: Date): string {
  return `Version : ${oneLine(instance.version)}\n` +
    `Date    : ${formatUtcDate(now)}\n` +
    `Instance: ${oneLine(instance.name)} (${oneLine(instance.server_software)})\n` +
    '\n'
}

/** Memory column: real memory in whole MiB, rounded down (8248 KB → `8M`); `?` when there are no metrics. */
function formatMemory (m: ProcessMetrics | undefined): string {
  return m === undefined ? '?' : `${Math.floor(realMemoryKb(m) / 1024)}M`
}

/** CPU column: an integer percent (rounded down, like ps's %d); `0%` when there are no metrics. */
function formatCpu (m: ProcessMetrics | undefined): string {
  return m === undefined || !Number.isFinite(m.cpu) || m.cpu < 0 ? '0%' : `${Math.floor(m.cpu)}%`
}

export function renderPoolText (s: StatusSnapshot, opts: PoolTextOptions): string {
  const heading = (title: string): string =>
    opts.colorize === true ? `\x1b[33m\x1b[44m\x1b[1m${title}\x1b[0m` : title
  const pool = s.pool
  const lines: string[] = [
    heading('----------- General information -----------'),
    `Max pool size : ${pool.max_pool_size}`,
    `App groups    : ${pool.group_count}`,
    `Processes     : ${pool.process_count}`,
    // Ferry queues per group only; the top-level queue (requests waiting for pool capacity) is always empty.
    'Requests in top-level queue : 0',
    '',
    heading('----------- Application groups -----------')
  ]
  for (const g of pool.groups) lines.push(...groupLines(g, s, opts), '')
  return lines.join('\n') + '\n'
}

function groupLines (g: GroupSnapshot, s: StatusSnapshot, opts: PoolTextOptions): string[] {
  const lines = [`${oneLine(g.name)}:`, `  App root: ${oneLine(g.app_root)}`]
  if (g.restarting) lines.push(RESTARTING_LINE)
  else if (g.spawning > 0) lines.push(`  (spawning ${g.spawning} new ${g.spawning === 1 ? 'process' : 'processes'}...)`)
  lines.push(`  Requests in queue: ${g.queue_length}`)
  if (g.last_spawn_error !== null && opts.passengerCompat !== true) lines.push(`  Last spawn error: ${oneLine(g.last_spawn_error)}`)
  for (const p of orderProcesses(g.processes)) lines.push(...processLines(p, s.metrics[String(p.pid)], opts))
  return lines
}

function processLines (p: ProcessSnapshot, m: ProcessMetrics | undefined, opts: PoolTextOptions): string[] {
  const lines = [
    `  * PID: ${field(p.pid, 5)}   Sessions: ${field(p.sessions, 2)}      ` +
      `Processed: ${field(p.processed, 5)}   Uptime: ${formatSince(p.spawned_at, opts.now)}`,
    `    CPU: ${field(formatCpu(m), 5)}   Memory  : ${field(formatMemory(m), 5)}   ` +
      `Last used: ${formatSince(p.last_used, opts.now)} ago`
  ]
  const compat = opts.passengerCompat === true
  if (p.state === 'stopping') lines.push(SHUTTING_DOWN_LINE)
  else if (p.state === 'oob') lines.push(compat ? DISABLED_LINE : OOB_WORK_LINE)
  else if (p.state === 'dead' && !compat) lines.push(EXITED_LINE)
  // The title (what ps shows), not the command line Ferry started (with its preload).
  if (opts.verbose === true && !compat) lines.push(`    Command : ${oneLine(m?.title ?? p.command)}`)
  return lines
}

/** A value left-aligned in a field of `width` characters; longer values are kept whole. */
function field (v: number | string, width: number): string {
  return String(v).padEnd(width)
}

/**
 * Free text (names, paths, error messages, commands) on one line and without control characters, so it can
 * neither break the line structure parsers rely on nor smuggle terminal escape sequences.
 */
function oneLine (text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\t/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, '?')
}
