// Who a PID is, from /proc: its title, its user and when it started. A PID alone is not an identity (the kernel
// reuses them), so Ferry records a watchdog's start time beside its PID and compares it before trusting or
// signalling that PID. Linux only: elsewhere these answer undefined and callers fall back to what they can check.
import { readFileSync } from 'node:fs'

/**
 * Start time of the process in clock ticks since boot (field 22 of /proc/<pid>/stat): exact and stable for the life
 * of the process, so two processes with the same PID never share it.
 */
export function processStartTicks (pid: number): number | undefined {
  let text: string
  try { text = readFileSync(`/proc/${pid}/stat`, 'utf8') } catch { return undefined }
  // comm (field 2) may hold spaces and parentheses: count fields from the last ')'. Field 3 is the first after it.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[22 - 3])
  return Number.isSafeInteger(ticks) && ticks >= 0 ? ticks : undefined
}

// USER_HZ: what /proc reports ticks in. 100 on every Linux architecture Node runs on (the kernel fixes it for
// userspace regardless of CONFIG_HZ); Node cannot call sysconf(_SC_CLK_TCK) to ask.
const TICKS_PER_SECOND = 100

/** When the process started, in ms since the epoch (to about a second: /proc/stat's btime has whole seconds). */
export function processStartMs (pid: number): number | undefined {
  const ticks = processStartTicks(pid)
  if (ticks === undefined) return undefined
  let btime: number
  try {
    btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1])
  } catch { return undefined }
  return Number.isFinite(btime) ? btime * 1000 + ticks * 1000 / TICKS_PER_SECOND : undefined
}

/** The effective uid the process runs as (the second Uid: field of /proc/<pid>/status). */
export function processUid (pid: number): number | undefined {
  try {
    const m = /^Uid:\s+\d+\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? undefined : Number(m[1])
  } catch { return undefined }
}

/** The process's title: the first NUL-separated field of its cmdline ('' for zombies and kernel threads). */
export function processTitle (pid: number): string | undefined {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '' } catch { return undefined }
}
