// Log lines go to a file descriptor without blocking the event loop: write() only queues, and one asynchronous
// write at a time (on libuv's thread pool) empties the queue. The queue is bounded: when the disk or the terminal
// cannot keep up, lines past the bound are dropped and counted, and a line saying so is written once it catches up.
// What is still queued when the process exits is written synchronously, so the last lines before an exit are kept.
import { write, writeSync } from 'node:fs'

/** Most bytes waiting to be written; past this, lines are dropped rather than held in memory. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024
const RETRY_MS = 20

export class FdWriter {
  #fd: number
  readonly #maxQueued: number
  readonly #droppedLine: (lines: number, bytes: number) => string
  #queue: string[] = []
  #queuedBytes = 0
  #writing = false
  #droppedLines = 0
  #droppedBytes = 0
  /**
   * Switches waiting for the write in flight to end (reopen then closes the old descriptor). Only for that write: what
   * is queued meanwhile goes to the new descriptor, so a line logged after a reopen is never written to the old file.
   */
  #afterWrite: Array<() => void> = []

  constructor (fd: number, o: { maxQueuedBytes?: number, droppedLine: (lines: number, bytes: number) => string }) {
    this.#fd = fd
    this.#maxQueued = o.maxQueuedBytes ?? MAX_QUEUED_BYTES
    this.#droppedLine = o.droppedLine
    process.on('exit', () => this.flushSync())
  }

  get fd (): number { return this.#fd }

  /** Queues the text; false when it was dropped because the queue is full. */
  write (text: string): boolean {
    if (this.#queuedBytes + text.length > this.#maxQueued) {
      this.#droppedLines++
      this.#droppedBytes += Buffer.byteLength(text)
      return false
    }
    this.#queue.push(text)
    this.#queuedBytes += text.length
    if (!this.#writing) this.#writeNext()
    return true
  }

  /** Writes to another descriptor from now on; calls `retire` with the old one once nothing more goes to it. */
  switchTo (fd: number, retire: (old: number) => void): void {
    const old = this.#fd
    const done = (): void => { this.#fd = fd; retire(old); if (this.#queue.length > 0 && !this.#writing) this.#writeNext() }
    if (!this.#writing) done()
    else this.#afterWrite.push(done)
  }

  /** Writes everything queued now, blocking; for the process's last moments. */
  flushSync (): void {
    this.#noteDropped()
    const text = this.#queue.join('')
    this.#queue = []
    this.#queuedBytes = 0
    if (text === '') return
    try { writeSync(this.#fd, text) } catch { /* nowhere left to say it */ }
  }

  #noteDropped (): void {
    if (this.#droppedLines === 0) return
    const line = this.#droppedLine(this.#droppedLines, this.#droppedBytes)
    this.#droppedLines = 0
    this.#droppedBytes = 0
    this.#queue.push(line)
    this.#queuedBytes += line.length
  }

  #writeNext (): void {
    if (this.#afterWrite.length > 0) {
      const switches = this.#afterWrite
      this.#afterWrite = []
      for (const fn of switches) fn()
      // A switch starts the next write itself when lines are queued.
      if (this.#writing) return
    }
    this.#noteDropped()
    if (this.#queue.length === 0) return
    const buf = Buffer.from(this.#queue.join(''))
    this.#queue = []
    this.#queuedBytes = 0
    this.#writing = true
    this.#send(buf, 0)
  }

  #send (buf: Buffer, offset: number): void {
    write(this.#fd, buf, offset, buf.length - offset, null, (err, written) => {
      if (err !== null) {
        // A non-blocking terminal or pipe that is full: try again shortly. Anything else: these lines are lost.
        if (err.code === 'EAGAIN') { setTimeout(() => this.#send(buf, offset), RETRY_MS).unref(); return }
        this.#writing = false
        this.#writeNext()
        return
      }
      if (offset + written < buf.length) { this.#send(buf, offset + written); return }
      this.#writing = false
      this.#writeNext()
    })
  }
}
