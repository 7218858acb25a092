// Finds an executable on PATH, so optional tools (wrk, nginx, passenger) can be skipped with a reason instead of
// failing mid-run.
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

export function which (cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, cmd)
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch { /* not here */ }
  }
  return undefined
}
