// Per-process metrics for the status views: CPU from the process table (pidusage), memory from /proc. Read only
// when a view asks, never on the request path.
import pidusage from 'pidusage'
import { commandOf, readCmdline, readSmaps, readStat, readStatus } from '../inspect/proc.js'
import type { ProcessMetrics } from './status-snapshot.js'

export async function collectMetrics (pids: readonly number[]): Promise<Record<string, ProcessMetrics>> {
  const out: Record<string, ProcessMetrics> = {}
  if (pids.length === 0) return out
  let cpu: Record<string, { cpu: number }> = {}
  try {
    cpu = await pidusage([...pids]) as Record<string, { cpu: number }>
  } catch { /* a process exited meanwhile: fall back to per-process reads below */ }
  for (const pid of pids) {
    const status = readStatus(pid)
    if (status === undefined || status === null) continue
    const smaps = readSmaps(pid)
    const stat = readStat(pid)
    const args = readCmdline(pid)
    out[String(pid)] = {
      cpu: Math.round(cpu[String(pid)]?.cpu ?? 0),
      rss_kb: status.rss_kb ?? 0,
      private_dirty_kb: smaps?.private_dirty_kb ?? null,
      pss_kb: smaps?.pss_kb ?? null,
      swap_kb: status.swap_kb ?? smaps?.swap_kb ?? 0,
      vmsize_kb: status.vmsize_kb ?? 0,
      process_group_id: stat?.pgrp ?? null,
      // The title as ps shows it (what the process set, e.g. "Ferry NodeApp: /srv/app"), not the argv Ferry started.
      title: args === null || args === undefined || stat === null || stat === undefined ? null : commandOf(args, stat.comm)
    }
  }
  return out
}
