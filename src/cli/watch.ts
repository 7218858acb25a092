// `ferry status --watch [SECONDS]`: the view again every SECONDS. On a terminal it is redrawn in place on the
// alternate screen (as watch(1) does) until q or Ctrl-C, and the terminal is given back as it was; anywhere else
// (a pipe, a file, a log) each view is printed after the last, separated by a blank line, until SIGINT or SIGTERM.
import { DEFAULT_WATCH_SECONDS } from '../core/config/options.js'

/**
 * --watch takes an optional value, which oclif's flags cannot: "--watch" not followed by a number of seconds gets
 * the default inserted, so that `ferry status --watch` and `ferry status --watch k3x` (k3x is the instance) parse.
 */
export function withOptionalWatchValue (argv: readonly string[], flag = '--watch'): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') { out.push(...argv.slice(i)); break }
    out.push(a)
    if (a === flag && !/^\d+(\.\d+)?$/.test(argv[i + 1] ?? '')) out.push(String(DEFAULT_WATCH_SECONDS))
  }
  return out
}

/** The seconds of --watch, or undefined when the value is no usable interval. */
export function watchSeconds (value: string): number | undefined {
  const n = Number(value)
  return /^\d+(\.\d+)?$/.test(value) && n >= 0.1 && n <= 86400 ? n : undefined
}

export interface WatchOptions {
  readonly seconds: number
  /** Shown on the first line of the terminal view, as watch(1) shows the command. */
  readonly title: string
  readonly out?: NodeJS.WriteStream
  readonly input?: NodeJS.ReadStream
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[?25l'
const ALT_SCREEN_OFF = '\x1b[?25h\x1b[?1049l'
/** Home, then each line cleared to its end, then everything below the view cleared: no flicker, no leftovers. */
const frame = (text: string): string => '\x1b[H' + text.replace(/\n/g, '\x1b[K\n') + '\x1b[J'

/**
 * Renders again and again until the user quits. The first render's error is thrown (the command fails as it would
 * without --watch); later errors are shown in place of the view, which comes back when the instance answers again.
 */
export async function watch (render: () => Promise<string>, o: WatchOptions): Promise<void> {
  const out = o.out ?? process.stdout
  const input = o.input ?? process.stdin
  const tty = out.isTTY === true
  let stopping = false
  let wake: (() => void) | undefined
  const stop = (): void => { stopping = true; wake?.() }
  const onKey = (data: Buffer): void => {
    const s = data.toString('latin1')
    if (s.includes('q') || s.includes('Q') || s.includes('\x03')) stop()
  }
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
  for (const s of signals) process.on(s, stop)
  out.on('error', stop) // a closed pipe (`| head`) ends the watch
  const keys = tty && input.isTTY === true
  let first = true
  try {
    if (tty) out.write(ALT_SCREEN_ON)
    if (keys) {
      input.setRawMode(true)
      input.on('data', onKey)
      input.resume()
    }
    while (!stopping) {
      let body: string
      try {
        body = await render()
      } catch (err) {
        if (first) throw err
        body = `ferry: ${(err as Error).message}\n`
      }
      if (stopping) break
      if (tty) {
        const head = `Every ${o.seconds}s: ${o.title}   (q to quit)`
        const now = new Date().toLocaleTimeString()
        const gap = Math.max(1, (out.columns ?? 80) - head.length - now.length)
        out.write(frame(`${head}${' '.repeat(gap)}${now}\n\n${body}`))
      } else {
        out.write((first ? '' : '\n') + body + (body.endsWith('\n') ? '' : '\n'))
      }
      first = false
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, o.seconds * 1000)
        wake = () => { clearTimeout(timer); resolve() }
      })
    }
  } finally {
    for (const s of signals) process.off(s, stop)
    out.off('error', stop)
    if (keys) {
      input.off('data', onKey)
      input.setRawMode(false)
      input.pause()
    }
    if (tty) out.write(ALT_SCREEN_OFF)
  }
}
