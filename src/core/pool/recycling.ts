// Recycling: a process is replaced (see RollingRestart.replace) once it has served --max-requests, or when its
// private memory is over --memory-limit. Decided between requests, so a request is never cut short.
import type { AppProcess } from './app-process.js'

export function reachedMaxRequests (processed: number, maxRequests: number): boolean {
  return maxRequests > 0 && processed >= maxRequests
}

export interface MemoryCheckHost {
  readonly processes: readonly AppProcess[]
  /** Already waiting for its replacement: asked again, it goes as soon as another process is ready. */
  beingReplaced (p: AppProcess): boolean
  replace (p: AppProcess): void
  over (p: AppProcess, kb: number, limitKb: number): void
}

/** Measures each live process and has those over the limit replaced. */
export async function checkMemory (host: MemoryCheckHost, limitKb: number, measureKb: (pid: number) => Promise<number | undefined>): Promise<void> {
  for (const p of host.processes) {
    if (!p.live) continue
    if (host.beingReplaced(p)) { host.replace(p); continue }
    const kb = await measureKb(p.pid)
    if (kb !== undefined && kb > limitKb && p.live) {
      host.over(p, kb, limitKb)
      host.replace(p)
    }
  }
}
