// Pure parsers for the /proc files `ferry memory-stats` reads, and the readers that feed them. Nothing here talks
// to a running Ferry: it works from the kernel's view alone, so it still answers when the core is sick.
// Readers distinguish "cannot read" (EACCES/EPERM: the value is unknown, null) from "gone" (ENOENT/ESRCH: the
// process exited between listing /proc and reading it, undefined, and the caller skips it).
import { readFileSync, readlinkSync } from 'node:fs'
import { readFile } from 'node:fs/promises'

/** The fields of /proc/<pid>/stat that memory-stats and the status views use. */
export interface ProcStat { pid: number, comm: string, state: string, ppid: number, /** Process group ID. */ pgrp: number }

/** Memory figures from /proc/<pid>/status, in kB; null where the kernel gives none (kernel threads, zombies). */
export interface ProcStatus { vmsize_kb: number | null, rss_kb: number | null, swap_kb: number | null }

/** Sums from /proc/<pid>/smaps_rollup (or /proc/<pid>/smaps), in kB; null when no such line was present. */
export interface ProcSmaps { private_dirty_kb: number | null, swap_kb: number | null, /** Proportional set size. */ pss_kb: number | null }

// Parse /proc/<pid>/stat. comm sits between the first '(' and the LAST ')' because comm may itself contain
// spaces and parentheses; the fields after it are space-separated.
export const parseStat = (text: string): ProcStat | undefined => {
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  if (open < 0 || close < open) return undefined
  const pid = Number(text.slice(0, open).trim())
  const rest = text.slice(close + 1).trim().split(/\s+/)
  const ppid = Number(rest[1])
  if (!Number.isInteger(pid) || rest[0] === undefined || rest[0] === '' || !Number.isInteger(ppid)) return undefined
  const pgrp = Number(rest[2])
  return { pid, comm: text.slice(open + 1, close), state: rest[0], ppid, pgrp: Number.isInteger(pgrp) ? pgrp : pid }
}

// One `Key:   123 kB` value of a status/smaps style file, or null when the key is absent.
const kbField = (text: string, key: string): number | null => {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text)
  return m === null ? null : Number(m[1])
}

// Parse /proc/<pid>/status.
export const parseStatus = (text: string): ProcStatus => ({
  vmsize_kb: kbField(text, 'VmSize'),
  rss_kb: kbField(text, 'VmRSS'),
  swap_kb: kbField(text, 'VmSwap')
})

// Sum every `Key: N kB` line of an smaps text (smaps_rollup has one of each, full smaps one per mapping).
const sumKb = (text: string, key: string): number | null => {
  let total: number | null = null
  for (const m of text.matchAll(new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'gm'))) total = (total ?? 0) + Number(m[1])
  return total
}

// Parse /proc/<pid>/smaps_rollup, or the full /proc/<pid>/smaps of kernels older than 4.14.
export const parseSmaps = (text: string): ProcSmaps => ({
  private_dirty_kb: sumKb(text, 'Private_Dirty'),
  swap_kb: sumKb(text, 'Swap'),
  pss_kb: sumKb(text, 'Pss')
})

// Parse /proc/<pid>/cmdline: NUL-separated arguments; a process that set its title may leave a NUL-padded tail.
export const parseCmdline = (text: string): string[] => {
  const args = text.split('\0')
  while (args.length > 0 && args[args.length - 1] === '') args.pop()
  return args
}

/** The command line as ps shows it: arguments joined by spaces, or `[comm]` for kernel threads (empty cmdline). */
export const commandOf = (args: readonly string[], comm: string): string =>
  args.length === 0 ? `[${comm}]` : args.join(' ').trim()

type Read<T> = T | null | undefined

const isGone = (err: unknown): boolean => ['ENOENT', 'ESRCH'].includes((err as NodeJS.ErrnoException).code ?? '')

// Read a /proc file: its text, undefined when it does not exist (the process is gone), null when it cannot be read
// (EACCES/EPERM for other users' processes; any other error too: one odd process must not stop the report).
export const readProcFile = (path: string): Read<string> => {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    return isGone(err) ? undefined : null
  }
}

// Read a file and parse it, passing null/undefined through.
const readParsed = <T>(path: string, parse: (text: string) => T): Read<T> => {
  const text = readProcFile(path)
  return typeof text === 'string' ? parse(text) : text
}

export const readStat = (pid: number, root = '/proc'): Read<ProcStat> => {
  const text = readProcFile(`${root}/${pid}/stat`)
  return typeof text === 'string' ? parseStat(text) ?? null : text
}

export const readStatus = (pid: number, root = '/proc'): Read<ProcStatus> => readParsed(`${root}/${pid}/status`, parseStatus)

export const readCmdline = (pid: number, root = '/proc'): Read<string[]> => readParsed(`${root}/${pid}/cmdline`, parseCmdline)

// smaps_rollup first; kernels before 4.14 only have the full smaps (same line format, one block per mapping).
export const readSmaps = (pid: number, root = '/proc'): Read<ProcSmaps> => {
  const rollup = readParsed(`${root}/${pid}/smaps_rollup`, parseSmaps)
  return rollup !== undefined ? rollup : readParsed(`${root}/${pid}/smaps`, parseSmaps)
}

// The executable's path, or null when it cannot be read (other users' processes, kernel threads).
export const readExe = (pid: number, root = '/proc'): string | null => {
  try {
    return readlinkSync(`${root}/${pid}/exe`)
  } catch {
    return null
  }
}

/**
 * A process's private memory (Private_Dirty + Swap from smaps_rollup, the "real memory" of the views), read
 * asynchronously for the core's periodic memory-limit check; undefined when it cannot be read.
 */
export async function privateMemoryKb (pid: number, root = '/proc'): Promise<number | undefined> {
  try {
    const s = parseSmaps(await readFile(`${root}/${pid}/smaps_rollup`, 'utf8'))
    return s.private_dirty_kb === null ? undefined : s.private_dirty_kb + (s.swap_kb ?? 0)
  } catch {
    return undefined
  }
}
