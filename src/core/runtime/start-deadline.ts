// The core's start-up has one time budget, --start-timeout (the instance-wide value; default 90 s), shared by every
// step that waits on something outside the core's own code: binding, the listening socket's hand-off with the
// watchdog (a reply that never comes is the classic way to wait forever), the admin API and metrics listeners.
// A step still waiting when the budget is spent fails start-up with E_CORE_START_TIMEOUT naming that step, so
// `ferry start` exits with an error instead of hanging with clients queued in the backlog. --start-timeout because it
// is the operator's existing "how long may starting take" knob: a machine slow enough to need more for its apps
// needs more for the core too, and these steps take milliseconds when nothing is wrong.
import { FerryError } from '../errors.js'

export class StartDeadline {
  readonly #endsAt: number
  readonly #budgetMs: number

  constructor (budgetMs: number, startedAt = Date.now()) {
    this.#budgetMs = budgetMs
    this.#endsAt = startedAt + budgetMs
  }

  /** Resolves as `work` does, or rejects with E_CORE_START_TIMEOUT once the budget is spent; `what` names the step. */
  async step<T>(what: string, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(this.expired(what)), Math.max(0, this.#endsAt - Date.now()))
    })
    try {
      return await Promise.race([work, expired])
    } finally {
      clearTimeout(timer)
    }
  }

  expired (what: string): FerryError {
    return new FerryError('E_CORE_START_TIMEOUT', `the Ferry core gave up starting: ${what} did not finish within ` +
      `${this.#budgetMs / 1000} s (--start-timeout); see the log, then start again (raise --start-timeout if the machine is that busy)`)
  }
}
