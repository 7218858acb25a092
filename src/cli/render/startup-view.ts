// Follows the start events and decides what the user sees: progress while the first processes spawn, then the
// banner exactly once. The rendering stays here so the core only reports facts.
import { FerryError, type ErrorCode } from '../../core/errors.js'
import type { StartEvent } from '../../core/watchdog/messages.js'
import { createProgress, type Progress } from './progress.js'

export class StartupView {
  url = ''
  corePid = 0
  warning: string | undefined
  error: FerryError | undefined
  #progress: Progress | undefined
  #listening = false
  #shown = false
  readonly #minInstances: number

  constructor (minInstances: number) { this.#minInstances = minInstances }

  /** Returns true exactly once: when the banner should be printed. */
  onEvent (e: StartEvent): boolean {
    switch (e.type) {
      case 'error':
        this.error = new FerryError(e.code as ErrorCode, e.message)
        return false
      case 'listening':
        this.url = e.url
        this.corePid = e.corePid
        this.#listening = true
        if (this.#minInstances === 0) return this.#show()
        this.#progress ??= createProgress(process.stderr)
        this.#progress.step(`Starting ${this.#minInstances} app process${this.#minInstances === 1 ? '' : 'es'} for ${e.appRoot}…`)
        return false
      case 'spawning':
        return false
      case 'spawned':
        this.#progress?.step(`App process ${e.pid} is ready`)
        return this.#listening ? this.#show() : false
      case 'spawn-failed':
        this.warning = `The app failed to start: ${e.message}. Requests get an error page until it starts; see the log.`
        return this.#listening ? this.#show() : false
    }
  }

  #show (): boolean {
    if (this.#shown) return false
    this.#shown = true
    this.finish()
    return true
  }

  finish (): void {
    this.#progress?.done()
    this.#progress = undefined
  }
}
