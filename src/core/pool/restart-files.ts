// Watches an app's tmp/restart.txt and tmp/always_restart.txt, the way deploy tools have long asked an app server
// for a restart. Polled on a timer (at most once per --stat-throttle-rate seconds), so the request path never
// touches the file system: it only reads the flags this sets on the group.
import { stat } from 'node:fs/promises'
import { join } from 'node:path'

export interface RestartTarget {
  requestRestart (): void
  alwaysRestart: boolean
}

export class RestartFiles {
  readonly #restartFile: string
  readonly #alwaysFile: string
  readonly #target: RestartTarget
  readonly #timer: NodeJS.Timeout
  /** restart.txt's mtime when last seen; null = absent; undefined = not looked at yet. */
  #seen: number | null | undefined
  #busy = false

  constructor (appRoot: string, everyMs: number, target: RestartTarget) {
    this.#restartFile = join(appRoot, 'tmp', 'restart.txt')
    this.#alwaysFile = join(appRoot, 'tmp', 'always_restart.txt')
    this.#target = target
    this.#timer = setInterval(() => { void this.check() }, everyMs).unref()
    void this.check()
  }

  /** One look at both files. The first look only records what is there: a file older than Ferry restarts nothing. */
  async check (): Promise<void> {
    if (this.#busy) return
    this.#busy = true
    try {
      const [mtime, always] = await Promise.all([mtimeOf(this.#restartFile), mtimeOf(this.#alwaysFile)])
      this.#target.alwaysRestart = always !== null
      const before = this.#seen
      this.#seen = mtime
      // Changed, or appeared: a restart. Disappearing is not a request for one.
      if (before !== undefined && mtime !== null && mtime !== before) this.#target.requestRestart()
    } finally {
      this.#busy = false
    }
  }

  close (): void { clearInterval(this.#timer) }
}

async function mtimeOf (path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs
  } catch {
    return null
  }
}
