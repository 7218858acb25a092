// Request bodies for apps whose processes take one request at a time (Python and Ruby apps, or --concurrency 1): read
// whole before a process is checked out, so a slow upload holds one of the core's connections rather than the app's
// only worker (Passenger buffers request bodies by default for the same reason). Up to IN_MEMORY bytes are kept in
// memory; a longer body goes to a file in the instance's private directory (mode 0711, owned by Ferry), unlinked as
// soon as it is opened so that nothing is left behind whatever happens. The app gets the body with a Content-Length.
// Apps that take many requests at once (Node) never come here: their bodies stream to the app as they arrive.
import { open, unlink, type FileHandle } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Abortable } from './exchange-types.js'

/** Most bytes of one request body kept in memory; the rest goes to a file. */
export const IN_MEMORY = 64 * 1024
/** Chunks kept in memory before they are joined into one. */
const MAX_CHUNKS = 64

/** A request body read whole: its length, and a stream of it for the app (again from its start each time). */
export class SpooledBody {
  readonly length: number
  readonly #chunks: readonly Buffer[]
  readonly #file: FileHandle | undefined

  constructor (length: number, chunks: readonly Buffer[], file: FileHandle | undefined) {
    this.length = length
    this.#chunks = chunks
    this.#file = file
  }

  open (): Readable {
    if (this.#file === undefined) return Readable.from(this.#chunks, { objectMode: false })
    return this.#file.createReadStream({ start: 0, end: this.length - 1, autoClose: false, emitClose: false })
  }

  /** Closes its file (already unlinked): called when its response closes. */
  dispose (): void { void this.#file?.close().catch(() => {}) }
}

/**
 * Reads `req`'s body whole, then calls `done` with it. `failed` instead when the body could not be stored (the file
 * system) or the spool was aborted (--request-body-timeout: the error is the sweep's); neither after dispose().
 */
export class RequestSpool implements Abortable {
  readonly #req: IncomingMessage
  readonly #dir: string
  readonly #done: (body: SpooledBody) => void
  readonly #failed: (err: Error) => void
  #chunks: Buffer[] = []
  #length = 0
  #file: FileHandle | undefined
  /** Bytes written to the file so far (the in-memory chunks go first, once it is opened). */
  #written = 0
  #over = false
  /** The flushes to the file, one after another (each writes at the offset the one before it left). */
  #flushing: Promise<void> = Promise.resolve()

  constructor (req: IncomingMessage, dir: string, done: (body: SpooledBody) => void, failed: (err: Error) => void) {
    this.#req = req
    this.#dir = dir
    this.#done = done
    this.#failed = failed
    req.on('data', this.#onData)
    req.once('end', () => { void this.#finish() })
  }

  #onData = (chunk: Buffer): void => {
    if (this.#over) return
    this.#length += chunk.length
    this.#chunks.push(chunk)
    if (this.#file === undefined && this.#length <= IN_MEMORY) {
      // A body trickled a byte a packet would otherwise cost a Buffer object per byte.
      if (this.#chunks.length > MAX_CHUNKS) this.#chunks = [Buffer.concat(this.#chunks)]
      return
    }
    this.#req.pause()
    this.#flushing = this.#flushing.then(async () => await this.#flush())
    void this.#flushing.then(() => { if (!this.#over) this.#req.resume() })
  }

  /** Moves what is held in memory to the file (opening it the first time). Never rejects: a failure stops the spool. */
  async #flush (): Promise<void> {
    try {
      if (this.#file === undefined) {
        const opened = await openUnlinked(this.#dir)
        // Given up while it was being opened: #stop found no file to close.
        if (this.#over) { void opened.close().catch(() => {}); return }
        this.#file = opened
      }
      const file = this.#file
      const chunks = this.#chunks
      this.#chunks = []
      for (const c of chunks) {
        if (this.#over) return
        await file.write(c, 0, c.length, this.#written)
        this.#written += c.length
      }
    } catch (err) {
      if (this.#over) return
      this.#stop()
      this.#failed(err as Error)
    }
  }

  async #finish (): Promise<void> {
    if (this.#over) return
    // No data comes after 'end': once the flushes under way are done, what is left in memory joins the file.
    await this.#flushing
    if (this.#file !== undefined && this.#chunks.length > 0) await this.#flush()
    if (this.#over) return
    this.#over = true
    this.#req.off('data', this.#onData)
    this.#done(new SpooledBody(this.#length, this.#file === undefined ? this.#chunks : [], this.#file))
  }

  /** The body stopped arriving (--request-body-timeout): reading stops, what was stored is dropped, `failed` is told. */
  abort (err: Error): void {
    if (this.#over) return
    this.#stop()
    this.#failed(err)
  }

  /** The client went away, or the spool is given up: nothing more is read or kept. */
  #stop (): void {
    if (this.#over) return
    this.#over = true
    this.#req.off('data', this.#onData)
    this.#chunks = []
    void this.#file?.close().catch(() => {})
  }

  /** Its response closed before the body was read whole. */
  dispose (): void { this.#stop() }
}

async function openUnlinked (dir: string): Promise<FileHandle> {
  const path = join(dir, `body.${randomBytes(8).toString('hex')}`)
  // wx: never follows or reuses a file someone else put there; 0600: only Ferry's user could read it meanwhile.
  const file = await open(path, 'wx+', 0o600)
  await unlink(path)
  return file
}
