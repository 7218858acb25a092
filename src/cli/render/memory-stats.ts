// The text view of `ferry memory-stats`, laid out as passenger-memory-stats lays out its tables:
//  - each column left-aligned to its widest cell (header included), columns two spaces apart, trailing spaces cut;
//  - the dashed rule under the header is one longer than the header line (the reference counts its newline);
//  - the title line is `<L dashes> <title> <R dashes>` over that same width: free = rule - title - 2,
//    L = floor(free / 2), R = free - L, or 3 and 3 when the title does not fit;
//  - every section starts with a blank line and sections are one more blank line apart;
//  - an empty section prints its title and totals only.
// Data in, string out: colours come from the `style` the caller passes (plain by default, for golden tests).
import type { MemorySection, MemoryStats } from '../../core/inspect/memory-stats.js'
import type { ProcessInfo } from '../../core/inspect/scan.js'

export interface MemoryStatsStyle { title: (s: string) => string, header: (s: string) => string }

export interface MemoryStatsInput {
  stats: MemoryStats
  version: string
  date: Date
  /** Whether the tool ran as root: when it did not and values are missing, say that root would see them. */
  isRoot: boolean
  /**
   * passenger-memory-stats's layout word for word (--passenger-compat): the section is titled "Passenger processes",
   * totals flag unknown values with a bare ` (?)`, and the warning and blank lines are Passenger's, so agents written
   * for passenger-memory-stats find the section they look for. The data (process names included) stays Ferry's.
   */
  passengerCompat?: boolean
}

const plain: MemoryStatsStyle = { title: s => s, header: s => s }

// `291.9 MB` from kB, or `?` when unknown.
export const formatMb = (kb: number | null, decimals = 1): string => kb === null ? '?' : `${(kb / 1024).toFixed(decimals)} MB`

const pad2 = (n: number): string => String(n).padStart(2, '0')

// Local time with its UTC offset, as Ruby's Time#to_s prints it: `2026-11-28 14:47:55 +0000`.
export const formatDate = (d: Date): string => {
  const off = -d.getTimezoneOffset()
  const sign = off < 0 ? '-' : '+'
  const zone = `${sign}${pad2(Math.floor(Math.abs(off) / 60))}${pad2(Math.abs(off) % 60)}`
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${zone}`
}

// A table with its title line; see the layout rules at the top of this file.
export const renderTable = (title: string, columns: readonly string[], rows: ReadonlyArray<readonly string[]>, style = plain): string => {
  const widths = columns.map((c, i) => Math.max(1, c.length, ...rows.map(r => r[i]!.length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  const header = line(columns)
  const ruleWidth = header.length + 1
  const free = ruleWidth - title.length - 2
  const left = free <= 0 ? 3 : Math.floor(free / 2)
  const right = free <= 0 ? 3 : free - left
  const out = [style.title(`${'-'.repeat(left)} ${title} ${'-'.repeat(right)}`)]
  if (rows.length > 0) out.push(style.header(header), style.header('-'.repeat(ruleWidth)), ...rows.map(line))
  return `\n${out.join('\n')}\n`
}

// `### Processes` and `### Total private dirty RSS`; ` (?)` as in the reference when some values were unknown,
// followed by how many processes the total leaves out.
const renderTotals = (s: MemorySection, passengerCompat = false): string => {
  const n = s.processes.length
  const unknown = s.unknown_private_dirty === 0
    ? ''
    : passengerCompat ? ' (?)' : ` (?) excludes ${s.unknown_private_dirty} of ${n} process${n === 1 ? '' : 'es'} that could not be read`
  return `### Processes: ${n}\n### Total private dirty RSS: ${(s.total_private_dirty_kb / 1024).toFixed(2)} MB${unknown}\n`
}

const row = (p: ProcessInfo, ppid: boolean): string[] =>
  [String(p.pid), ...(ppid ? [String(p.ppid)] : []), formatMb(p.vmsize_kb), formatMb(p.private_dirty_kb), p.command]

// One section: Apache and nginx show the parent pid (their masters and workers), Ferry's does not.
const renderSection = (title: string, s: MemorySection, { ppid, passengerCompat = false }: { ppid: boolean, passengerCompat?: boolean }, style = plain): string => {
  const columns = ['PID', ...(ppid ? ['PPID'] : []), 'VMSize', 'Private', 'Name']
  return renderTable(title, columns, s.processes.map(p => row(p, ppid)), style) + renderTotals(s, passengerCompat)
}

const ROOT_WARNING = '*** WARNING: Some processes\' private dirty RSS could not be read (shown as ?). ' +
  'It is the best measure of the memory a process really uses; run this command as root (sudo) to see it for all of them.'

/** passenger-memory-stats's own warning, word for word, for --passenger-compat. */
const PASSENGER_ROOT_WARNING = '*** WARNING: Please run this tool with sudo. Otherwise the private dirty RSS ' +
  '(a reliable metric for real memory usage) of processes cannot be determined.'

/**
 * passenger-memory-stats's title when it finds no Apache: a bare title of fixed width. Ferry does not look for the
 * Apache executable, so it prints this when it finds no Apache process (the reference's situation on nginx or
 * standalone machines), and a table like nginx's when it finds some.
 */
const PASSENGER_NO_APACHE = '------------- Apache processes -------------\n'

// The whole report.
export const renderMemoryStats = (input: MemoryStatsInput, style = plain): string => {
  if (input.passengerCompat === true) return renderPassengerLayout(input, style)
  const { stats, version, date, isRoot } = input
  const sections: string[] = []
  if (stats.apache !== null) sections.push(renderSection('Apache processes', stats.apache, { ppid: true }, style))
  if (stats.nginx !== null) sections.push(renderSection('Nginx processes', stats.nginx, { ppid: true }, style))
  sections.push(renderSection('Ferry processes', stats.ferry, { ppid: false }, style))
  const unknown = [stats.apache, stats.nginx, stats.ferry].some(s => s !== null && s.unknown_private_dirty > 0)
  return `Version: ${version}\nDate   : ${formatDate(date)}\n${sections.join('\n')}` +
    (unknown && !isRoot ? `${ROOT_WARNING}\n` : '')
}

// passenger-memory-stats's layout: no blank line before the first section, two after each section but the last,
// the ferry section under Passenger's title. Each section starts on a line of its own (renderTable's leading blank
// line is Ferry's layout, so it is cut).
const renderPassengerLayout = ({ stats, version, date, isRoot }: MemoryStatsInput, style: MemoryStatsStyle): string => {
  const section = (title: string, s: MemorySection, ppid: boolean): string =>
    renderSection(title, s, { ppid, passengerCompat: true }, style).replace(/^\n/, '')
  const sections: string[] = []
  if (stats.apache !== null) {
    sections.push(stats.apache.processes.length === 0 ? style.title(PASSENGER_NO_APACHE.trimEnd()) + '\n' : section('Apache processes', stats.apache, true))
  }
  if (stats.nginx !== null) sections.push(section('Nginx processes', stats.nginx, true))
  sections.push(section('Passenger processes', stats.ferry, false))
  const unknown = [stats.apache, stats.nginx, stats.ferry].some(s => s !== null && s.unknown_private_dirty > 0)
  return `Version: ${version}\nDate   : ${formatDate(date)}\n${sections.join('\n\n')}` +
    (unknown && !isRoot ? `${PASSENGER_ROOT_WARNING}\n` : '')
}
