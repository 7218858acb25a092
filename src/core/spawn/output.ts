// An app's stdout and stderr arrive as chunks; the log and the error page want lines. This splits chunks into lines
// and keeps the last few in a fixed ring, so a chatty app costs the same memory as a quiet one.
import type { Readable } from 'node:stream'

/** Lines longer than this are split, so output without newlines cannot grow memory without bound. */
const MAX_LINE_CHARS = 16 * 1024

/** The last `size` lines pushed, oldest first when read. */
export class LineRing {
  readonly #size: number
  readonly #lines: string[] = []
  #next = 0

  constructor (size: number) {
    this.#size = size
  }

  push (line: string): void {
    if (this.#lines.length < this.#size) this.#lines.push(line)
    else this.#lines[this.#next] = line
    this.#next = (this.#next + 1) % this.#size
  }

  toArray (): string[] {
    if (this.#lines.length < this.#size) return [...this.#lines]
    return [...this.#lines.slice(this.#next), ...this.#lines.slice(0, this.#next)]
  }
}

/** Calls onLine for each line of the stream, without its newline (and without a CR before it). */
export function readLines (stream: Readable, onLine: (line: string) => void): void {
  let partial = ''
  const emit = (line: string): void => splitLong(line.endsWith('\r') ? line.slice(0, -1) : line, onLine)
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    for (const part of parts) emit(part)
    if (partial.length >= MAX_LINE_CHARS) {
      const whole = partial.length - (partial.length % MAX_LINE_CHARS)
      splitLong(partial.slice(0, whole), onLine)
      partial = partial.slice(whole)
    }
  })
  stream.on('end', () => { if (partial !== '') emit(partial) })
  // A read error only means the pipe broke; the process's exit is reported through its own event.
  stream.on('error', () => {})
}

/** A line longer than MAX_LINE_CHARS goes out as several lines, so no single line grows without bound. */
function splitLong (line: string, onLine: (line: string) => void): void {
  if (line.length <= MAX_LINE_CHARS) { onLine(line); return }
  for (let i = 0; i < line.length; i += MAX_LINE_CHARS) onLine(line.slice(i, i + MAX_LINE_CHARS))
}
