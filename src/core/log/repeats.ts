// Identical error and warning lines in a burst (a crash-looping app answers every request with the same error) are
// logged once; the repeats are counted and one summary line per window says how many there were. A line that
// repeats for an hour costs one line every REPEAT_WINDOW_MS, not one per request.

const REPEAT_WINDOW_MS = 5_000
/** Keys followed at once; past this, lines are logged as they come (a flood of distinct lines is not repetition). */
const MAX_KEYS = 64

interface Window { count: number, since: number }

export class RepeatSummary {
  readonly #windows = new Map<string, Window>()
  readonly #summarise: (level: number, text: string) => void
  readonly #windowMs: number

  constructor (summarise: (level: number, text: string) => void, windowMs = REPEAT_WINDOW_MS) {
    this.#summarise = summarise
    this.#windowMs = windowMs
  }

  /** True when the line should be logged now; false when it repeats one logged within the window (then counted). */
  admit (level: number, key: string): boolean {
    const w = this.#windows.get(key)
    if (w !== undefined) { w.count++; return false }
    if (this.#windows.size >= MAX_KEYS) return true
    this.#windows.set(key, { count: 0, since: Date.now() })
    this.#arm(level, key)
    return true
  }

  #arm (level: number, key: string): void {
    setTimeout(() => {
      const w = this.#windows.get(key)
      if (w === undefined) return
      // Nothing repeated in this window: forget the line, so its next occurrence is logged in full.
      if (w.count === 0) { this.#windows.delete(key); return }
      const seconds = Math.max(1, Math.round((Date.now() - w.since) / 1000))
      this.#summarise(level, `last message repeated ${w.count} times in ${seconds} s: ${key}`)
      w.count = 0
      w.since = Date.now()
      this.#arm(level, key)
    }, this.#windowMs).unref()
  }
}
