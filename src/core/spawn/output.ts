// An app's stdout and stderr arrive as chunks; the log and the error page want lines. This splits chunks into lines
// and keeps the last few in a fixed ring, so a chatty app costs the same memory as a quiet one.
import type { Readable } from 'node:stream'

/** Lines longer than this are cut (the rest is counted, not kept), so output without newlines cannot grow memory. */
export const MAX_LINE_CHARS = 16 * 1024

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

/** What a cut line ends with: the reader of the log sees that something is missing, and how much. */
export function cutMarker (cutChars: number): string {
  return ` [... line cut: ${cutChars} more characters]`
}

/**
 * Calls onLine for each line of the stream, without its newline (and without a CR before it). A line longer than
 * maxChars keeps its first maxChars characters and a marker saying how many more were cut; the line is delivered
 * when its newline (or the end of the stream) arrives, and only its head is ever held in memory.
 */
export function readLines (stream: Readable, onLine: (line: string) => void, maxChars = MAX_LINE_CHARS): void {
  let partial = ''
  let cut = 0
  const emit = (line: string): void => {
    if (cut > 0) {
      onLine(line + cutMarker(cut))
      cut = 0
      return
    }
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line)
  }
  /** Adds text to the current line, keeping at most maxChars of it. */
  const append = (text: string): void => {
    const room = maxChars - partial.length
    if (text.length <= room) { partial += text; return }
    partial += text.slice(0, Math.max(0, room))
    cut += text.length - Math.max(0, room)
  }
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    let start = 0
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      append(chunk.slice(start, nl))
      const line = partial
      partial = ''
      emit(line)
      start = nl + 1
    }
    if (start < chunk.length) append(chunk.slice(start))
  })
  stream.on('end', () => { if (partial !== '' || cut > 0) emit(partial) })
  // A read error only means the pipe broke; the process's exit is reported through its own event.
  stream.on('error', () => {})
}
