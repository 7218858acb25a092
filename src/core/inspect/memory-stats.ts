// What `ferry memory-stats` reports: the scanned processes per section with their private dirty RSS totals.
// This is the data `--json` returns and the text view renders; a section that was not asked for is null.
import { classify, scanProcesses, type ProcessInfo } from './scan.js'

export interface MemorySection {
  processes: ProcessInfo[]
  /** Sum of the private dirty RSS that could be read, in kB and in MB (2 decimals). */
  total_private_dirty_kb: number
  total_private_dirty_mb: number
  /** How many processes' private dirty RSS could not be read (not root) and are left out of the total. */
  unknown_private_dirty: number
}

export interface MemoryStats { apache: MemorySection | null, nginx: MemorySection | null, ferry: MemorySection }

// Totals for one section; unknown values are counted, never guessed.
export const summarize = (processes: ProcessInfo[]): MemorySection => {
  const known = processes.flatMap(p => p.private_dirty_kb ?? [])
  const kb = known.reduce((a, b) => a + b, 0)
  return {
    processes,
    total_private_dirty_kb: kb,
    total_private_dirty_mb: Math.round(kb / 1024 * 100) / 100,
    unknown_private_dirty: processes.length - known.length
  }
}

// Scan /proc once and build every section that was asked for.
export const collectMemoryStats = ({ apache = true, nginx = true, list = scanProcesses() }: { apache?: boolean, nginx?: boolean, list?: ProcessInfo[] } = {}): MemoryStats => {
  const found = classify(list)
  return {
    apache: apache ? summarize(found.apache) : null,
    nginx: nginx ? summarize(found.nginx) : null,
    ferry: summarize(found.ferry)
  }
}
