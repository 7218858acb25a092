// The watchdog's entry in the instance registry: created once the core listens (so it names a working instance),
// kept current across core restarts, removed when the watchdog exits. Stale entries of dead instances are cleaned
// first, with a notice.
import { createInstanceDir, type InstanceDir } from '../instance/instance-dir.js'
import { listInstances, registryDirFrom } from '../instance/registry.js'
import type { Logger } from '../log/logger.js'
import { FERRY_VERSION } from '../version.js'

export class InstanceEntry {
  #dir: InstanceDir | undefined
  readonly #registryDir: string
  readonly #logger: Logger

  constructor (instanceRegistryDir: string | undefined, logger: Logger) {
    this.#registryDir = registryDirFrom({ instanceRegistryDir, env: process.env })
    this.#logger = logger
    const { cleaned, warnings } = listInstances(this.#registryDir)
    for (const dir of cleaned) logger.notice(`cleaned stale instance directory ${dir}`)
    for (const w of warnings) logger.warn(w)
  }

  get name (): string | undefined { return this.#dir?.name }

  /** Called on each core's `listening`: the first creates and finalizes the entry, later ones update the core PID. */
  coreListening (corePid: number, url: string): void {
    try {
      if (this.#dir === undefined) {
        this.#dir = createInstanceDir({ registryDir: this.#registryDir, watchdogPid: process.pid, version: FERRY_VERSION, integrationMode: 'standalone', listen: [url] })
        this.#dir.setCorePid(corePid)
        this.#dir.finalize()
      } else {
        this.#dir.setCorePid(corePid)
      }
    } catch (err) {
      // Serving matters more than being listed: say so, and go on.
      this.#logger.warn(`could not register this instance in ${this.#registryDir}: ${(err as Error).message}`)
    }
  }

  remove (): void { this.#dir?.remove() }
}
