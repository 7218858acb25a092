// The watchdog's entry in the instance registry. The directory is made before the core starts (the core puts its
// admin API socket there), and finalized once the core listens, so it becomes visible only for a working
// instance; it follows core restarts and is removed when the watchdog exits. Stale entries of dead instances are
// cleaned first, with a notice.
import { createInstanceDir, type InstanceDir, type IntegrationMode } from '../instance/instance-dir.js'
import { listInstances, registryDirFrom } from '../instance/registry.js'
import type { Logger } from '../log/logger.js'
import { FERRY_VERSION } from '../version.js'

export class InstanceEntry {
  readonly #dir: InstanceDir | undefined
  readonly #logger: Logger
  #finalized = false

  /** integrationMode: 'flying' for `ferry fly` (behind a front server), as properties.json tells `ferry status`. */
  constructor (instanceRegistryDir: string | undefined, logger: Logger, integrationMode: IntegrationMode = 'standalone') {
    this.#logger = logger
    const registryDir = registryDirFrom({ instanceRegistryDir, env: process.env })
    const { cleaned, warnings } = listInstances(registryDir)
    for (const dir of cleaned) logger.notice(`cleaned stale instance directory ${dir}`)
    for (const w of warnings) logger.warn(w)
    try {
      this.#dir = createInstanceDir({ registryDir, watchdogPid: process.pid, version: FERRY_VERSION, integrationMode, listen: [] })
    } catch (err) {
      // Serving matters more than being listed: say so, and go on without an admin API.
      logger.warn(`could not register this instance in ${registryDir}: ${(err as Error).message}`)
    }
  }

  get name (): string | undefined { return this.#dir?.name }
  get dir (): string | undefined { return this.#dir?.dir }

  /** Called on each core's `listening`: records the core and, the first time, makes the entry visible. */
  coreListening (corePid: number, url: string): void {
    if (this.#dir === undefined) return
    try {
      this.#dir.setCorePid(corePid, [url])
      if (!this.#finalized) this.#dir.finalize()
      this.#finalized = true
    } catch (err) {
      this.#logger.warn(`could not update instance directory ${this.#dir.dir}: ${(err as Error).message}`)
    }
  }

  remove (): void { this.#dir?.remove() }
}
