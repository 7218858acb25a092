// Lists the processes on this machine from /proc and sorts out which belong to Ferry, nginx and Apache.
// Needs no API: `ferry memory-stats` works when the core is stuck, and without knowing which instances exist.
import { readdirSync } from 'node:fs'
import { basename } from 'node:path'
import { commandOf, readCmdline, readExe, readSmaps, readStat, readStatus } from './proc.js'

/** One process as memory-stats shows it. Sizes in kB; null where the kernel would not tell us (permission). */
export interface ProcessInfo {
  pid: number
  ppid: number
  vmsize_kb: number | null
  private_dirty_kb: number | null
  swap_kb: number | null
  rss_kb: number | null
  command: string
  /** The kernel's short name (comm) and the executable path when readable; used to recognise nginx and Apache. */
  comm: string
  exe: string | null
}

export interface Classified { ferry: ProcessInfo[], nginx: ProcessInfo[], apache: ProcessInfo[] }

const FERRY_TITLES = ['Ferry watchdog', 'Ferry core', 'Ferry NodeApp:', 'Ferry PythonApp:', 'Ferry RubyApp:']

// Read one process; undefined when it is gone or is a zombie (it no longer holds any memory).
const readProcess = (pid: number, root = '/proc'): ProcessInfo | undefined => {
  const stat = readStat(pid, root)
  if (stat === undefined || stat === null || stat.state === 'Z' || stat.state === 'X') return undefined
  const status = readStatus(pid, root)
  const args = readCmdline(pid, root)
  const smaps = readSmaps(pid, root)
  if (status === undefined || args === undefined) return undefined
  return {
    pid,
    ppid: stat.ppid,
    vmsize_kb: status?.vmsize_kb ?? (status === null ? null : 0),
    private_dirty_kb: smaps?.private_dirty_kb ?? null,
    swap_kb: status?.swap_kb ?? smaps?.swap_kb ?? (status === null ? null : 0),
    rss_kb: status?.rss_kb ?? (status === null ? null : 0),
    command: commandOf(args ?? [], stat.comm),
    comm: stat.comm,
    exe: readExe(pid, root)
  }
}

// Every process under /proc except the scanning process itself, in pid order.
export const scanProcesses = ({ root = '/proc', self = process.pid }: { root?: string, self?: number } = {}): ProcessInfo[] =>
  readdirSync(root)
    .filter(name => /^\d+$/.test(name))
    .map(Number)
    .filter(pid => pid !== self)
    .sort((a, b) => a - b)
    .flatMap(pid => readProcess(pid, root) ?? [])

const isFerryTitle = (p: ProcessInfo): boolean => FERRY_TITLES.some(t => p.command.startsWith(t))

// The names a process goes by: comm, argv[0]'s basename and the executable's basename (" (deleted)" dropped).
const namesOf = (p: ProcessInfo): string[] => [
  p.comm,
  basename(p.command.split(' ')[0] ?? ''),
  ...(p.exe === null ? [] : [basename(p.exe.replace(/ \(deleted\)$/, ''))])
]

const isNginx = (p: ProcessInfo): boolean => p.command.startsWith('nginx:') || namesOf(p).includes('nginx')

const isApache = (p: ProcessInfo): boolean =>
  namesOf(p).some(n => n === 'apache2' || n === 'httpd' || n === 'httpd.worker' || n === 'apache2.worker')

// True when one of p's ancestors is in `roots` (walks ppid links; stops at pid 1 or on a loop).
const descendsFrom = (p: ProcessInfo, byPid: Map<number, ProcessInfo>, roots: Set<number>): boolean => {
  const seen = new Set<number>()
  for (let ppid = p.ppid; ppid > 1 && !seen.has(ppid); ppid = byPid.get(ppid)?.ppid ?? 0) {
    if (roots.has(ppid)) return true
    seen.add(ppid)
  }
  return false
}

// Sort processes into Ferry's (its titled processes plus everything a core spawned, such as generic apps and what
// apps themselves start), nginx's and Apache's. A process belongs to one section at most, Ferry first.
export const classify = (list: readonly ProcessInfo[]): Classified => {
  const byPid = new Map(list.map(p => [p.pid, p]))
  const cores = new Set(list.filter(p => p.command.startsWith('Ferry core')).map(p => p.pid))
  const out: Classified = { ferry: [], nginx: [], apache: [] }
  for (const p of list) {
    if (isFerryTitle(p) || descendsFrom(p, byPid, cores)) out.ferry.push(p)
    else if (isNginx(p)) out.nginx.push(p)
    else if (isApache(p)) out.apache.push(p)
  }
  return out
}
