// The core's side of what a bypassed app's processes serve themselves: which of static files and the turbocache are
// on for it (the same options as for a proxied app), and the cache figures their reports add up to.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { FerryOptions } from '../config/options.js'
import type { Pool } from '../pool/pool.js'
import type { InProcessOptions } from './in-process.js'
import { BypassedCacheFigures } from './cache-figures.js'

/**
 * Static files when the app has a public/ directory (looked at when each process starts, as the core looks once
 * when it starts serving an app); the turbocache unless --disable-turbocaching (for the instance or the app).
 * Undefined when neither: the process then loads nothing for them.
 */
export function inProcessOptions (root: string, instance: FerryOptions, app: FerryOptions): InProcessOptions | undefined {
  const staticFiles = isDirectory(join(root, 'public'))
  const cached = !instance.disableTurbocaching && !app.disableTurbocaching
  if (!staticFiles && !cached) return undefined
  return {
    root,
    staticFiles,
    turbocache: cached ? { maxBytes: instance.turbocacheSize, varyByCookie: app.varyTurbocacheByCookie } : undefined
  }
}

function isDirectory (path: string): boolean {
  try { return statSync(path).isDirectory() } catch { return false }
}

/** The cache figures of every bypassed process in the pool, kept up to date from their batched reports. */
export function bypassedCacheFigures (pool: Pool, perProcessMaxBytes: number): BypassedCacheFigures {
  const alive = (): Set<number> => {
    const pids = new Set<number>()
    for (const g of pool.groups.values()) for (const p of g.processes) if (p.acceptsItself) pids.add(p.pid)
    return pids
  }
  const figures = new BypassedCacheFigures(perProcessMaxBytes, alive)
  pool.events.on('processStats', (_g, p, s) => { if (s.cache !== undefined) figures.report(p.pid, s.cache) })
  return figures
}
