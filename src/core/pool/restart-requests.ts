// Restarts asked for through files (tmp/restart.txt, tmp/always_restart.txt; restart-files.ts watches them): when
// one is applied and by which method. As in Passenger, the next request applies it, before it checks out a process;
// an app whose processes accept their clients themselves (--bypass) sends no request through the core, so for it
// the restart is applied at once.

export class RestartRequests {
  #pending = false
  /** tmp/always_restart.txt exists: every request restarts the app (development). */
  always = false

  /** A restart waits for the next request. */
  get pending (): boolean { return this.#pending || this.always }

  /** restart.txt changed. Returns true when the restart is to be applied now rather than by the next request. */
  request (processes: ReadonlyArray<{ readonly acceptsItself: boolean }>): boolean {
    this.#pending = true
    return processes.some(p => p.acceptsItself)
  }

  /**
   * The restart is applied now: by `defaultMethod`, or blocking for always-restart, which is for development (each
   * request gets a fresh process).
   */
  take (defaultMethod: 'blocking' | 'rolling'): { readonly always: boolean, readonly method: 'blocking' | 'rolling' } {
    const always = this.always
    this.#pending = false
    return { always, method: always ? 'blocking' : defaultMethod }
  }
}
