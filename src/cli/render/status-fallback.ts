// What `ferry status` shows when the admin API does not answer: the instance's processes from the process table.
import type { ProcessRow } from '../../core/client/status.js'

const STATES: Readonly<Record<string, string>> = { R: 'running', S: 'sleeping', D: 'disk wait', T: 'stopped', t: 'traced', Z: 'zombie', I: 'idle' }

export async function renderProcessTable (rows: readonly ProcessRow[]): Promise<string> {
  // Loaded only now: cli-table3 (with its colour and emoji tables) costs ~5 ms, and every `ferry status` run
  // would pay it for a table drawn only when the API does not answer.
  const { default: Table } = await import('cli-table3')
  const table = new Table({ head: ['PID', 'PPID', 'State', 'Private', 'Command'], style: { head: [], border: [] } })
  for (const r of rows) {
    const mem = r.private_dirty_kb === null ? '?' : `${(r.private_dirty_kb / 1024).toFixed(1)} MB`
    table.push([r.pid, r.ppid, STATES[r.state] ?? r.state, mem, r.command.length > 70 ? `${r.command.slice(0, 67)}...` : r.command])
  }
  return table.toString() + '\n'
}
