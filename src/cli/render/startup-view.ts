// Follows the start events and decides what the user sees: progress while the first processes spawn, then the
// banner exactly once. The rendering stays here so the core only reports facts.
import { FerryError, type ErrorCode } from '../../core/errors.js'
import { StartupTracker, type StartEvent } from '../../core/watchdog/messages.js'
import { createProgress, type Progress } from './progress.js'

export class StartupView {
  url = ''
  corePid = 0
  /** The instance's registry name, for `ferry stop NAME`. */
  name: string | undefined
  warning: string | undefined
  error: FerryError | undefined
  #progress: Progress | undefined
  readonly #tracker: StartupTracker
  readonly #minInstances: number

  constructor (minInstances: number) {
    this.#minInstances = minInstances
    this.#tracker = new StartupTracker()
  }

  /** Returns true exactly once: when the banner should be printed. */
  onEvent (e: StartEvent): boolean {
    switch (e.type) {
      case 'error':
        this.error = new FerryError(e.code as ErrorCode, e.message)
        break
      case 'listening':
        this.url = e.url
        this.corePid = e.corePid
        if (this.#minInstances > 0) {
          this.#progress ??= createProgress(process.stderr)
          this.#progress.step(`Starting ${this.#minInstances} app process${this.#minInstances === 1 ? '' : 'es'} for ${e.appRoot}…`)
        }
        break
      case 'registered':
        this.name = e.name
        break
      case 'spawned':
        this.#progress?.step(`App process ${e.pid} is ready`)
        break
      case 'spawn-failed':
        this.warning ??= `The app failed to start: ${e.message}. Requests get an error page until it starts; see the log.`
        break
      case 'spawning':
        break
    }
    const done = this.#tracker.complete(e)
    if (done) this.finish()
    return done
  }

  finish (): void {
    this.#progress?.done()
    this.#progress = undefined
  }
}
