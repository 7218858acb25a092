// A response written straight to the client's socket, for requests the lean front parsed. It does what the pipeline
// asks of node's ServerResponse (see exchange-types.ts) and no more: the head is held until the first body bytes so
// that both leave in one write, a body of unknown length is chunked (HTTP/1.1) or ends the connection (HTTP/1.0),
// and header values are checked as node checks them, so an app cannot split the response it sends through Ferry.
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { HeaderLines, KeptHit, OutgoingHeaders, ResponseSink } from './exchange-types.js'
import { HEADER_NAME, INVALID_VALUE_CHAR } from './headers.js'
import { holdUntilTurnEnds } from './turn-end-writes.js'
import { readClock } from './read-clock.js'
import { FerryError } from '../errors.js'

/** Idle time between requests before a client connection is closed (node's keepAliveTimeout, and the lean front's). */
export const KEEP_ALIVE_MS = 5_000
const KEEP_ALIVE = `Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_MS / 1000}\r\n\r\n`
const LAST_CHUNK = '0\r\n\r\n'
/** Below this a body is copied after its head into one buffer: cheaper than a vectored write of two. */
const COPY_BELOW = 8 * 1024
/** Turbocache entries with bodies up to this size keep their whole wire form between hits (see PreparedHit). */
const WIRE_MAX_BODY = 16 * 1024
/**
 * Wire forms kept at once, at most (the most recently built ones): they copy their entries' bodies, so this bounds
 * the memory they take beside the store's own budget (64 × 16 KiB, twice that while the ring still holds entries the
 * store has dropped since). A site with more hot pages than this rebuilds them more often, which costs what every hit
 * cost before wire forms were kept.
 */
const MAX_WIRES = 64

let dateText = ''
let dateAt = 0
/** The Date header, formatted at most once a second. */
function httpDate (): string {
  const now = readClock()
  if (now - dateAt >= 1000) { dateAt = now - (now % 1000); dateText = new Date(dateAt).toUTCString() }
  return dateText
}

/** A header node would refuse to write (E_HEADER_INVALID): nothing of the head is sent. */
export class InvalidHeaderError extends FerryError {
  constructor (message: string) { super('E_HEADER_INVALID', message) }
}

const reason = (status: number, text: string): string => text !== '' ? text : STATUS_CODES[status] ?? 'Unknown'

const isList = (h: OutgoingHeaders | readonly string[]): h is readonly string[] => Array.isArray(h)

/** Renders and checks headers as node checks them; throws InvalidHeaderError at a name or value that is not allowed. */
export function renderHeaderLines (list: OutgoingHeaders | readonly string[]): HeaderLines {
  let text = ''
  let hasLength = false
  let hasDate = false
  const add = (name: string, value: string): void => {
    if (INVALID_VALUE_CHAR.test(value) || !HEADER_NAME.test(name)) throw new InvalidHeaderError(`the response header ${JSON.stringify(name)} has a name or value node would not send, so the response is not sent`)
    if (name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true
    else if (name.length === 4 && name.toLowerCase() === 'date') hasDate = true
    text += `${name}: ${value}\r\n`
  }
  if (isList(list)) for (let i = 0; i < list.length; i += 2) add(list[i]!, list[i + 1]!)
  else for (const name of Object.keys(list)) add(name, String(list[name]))
  return { text, hasLength, hasDate }
}

/**
 * A turbocache entry made ready for its hits: its header lines rendered and checked once and, for the common answer
 * (a GET on a connection kept alive), the whole response as one buffer, rebuilt only when its Age or the Date
 * changes (at most once a second) and otherwise written as it is: such a hit builds no string and copies no body.
 */
export class PreparedHit implements KeptHit {
  readonly status: number
  readonly statusText: string
  readonly lines: HeaderLines
  readonly body: Buffer
  #wire: Buffer | undefined
  #wireAge = -1
  #wireDateAt = -1

  constructor (status: number, statusText: string, lines: HeaderLines, body: Buffer) {
    this.status = status
    this.statusText = statusText
    this.lines = lines
    this.body = body
  }

  /** The whole response, kept alive, with this Age; undefined when the body is too large to be worth a copy. */
  wire (age: number): Buffer | undefined {
    const body = this.body
    if (body.length > WIRE_MAX_BODY) return undefined
    const date = httpDate()
    if (this.#wire !== undefined && this.#wireAge === age && (this.lines.hasDate || this.#wireDateAt === dateAt)) return this.#wire
    // What #setHead and #writeWithHead send for the same answer, byte for byte.
    const head = `HTTP/1.1 ${this.status} ${reason(this.status, this.statusText)}\r\n${this.lines.text}Age: ${age}\r\n` +
      `Content-Length: ${body.length}\r\n${this.lines.hasDate ? '' : `Date: ${date}\r\n`}${KEEP_ALIVE}`
    // Its own allocation: a kept buffer must not pin a shared pool slab.
    const wire = Buffer.allocUnsafeSlow(head.length + body.length)
    wire.write(head, 0, 'latin1')
    body.copy(wire, head.length)
    if (this.#wire === undefined) {
      const oldest = wired[nextWired]
      if (oldest !== undefined) oldest.#wire = undefined
      wired[nextWired] = this
      nextWired = (nextWired + 1) % MAX_WIRES
    }
    this.#wire = wire
    this.#wireAge = age
    this.#wireDateAt = dateAt
    return wire
  }
}

/** The PreparedHits holding a wire form, in a ring: the oldest gives its up when another is built. */
const wired: Array<PreparedHit | undefined> = []
let nextWired = 0

export interface RawResponseOwner {
  /** True when the connection will close after this response whatever it says (graceful stop, client done). */
  closing (): boolean
  /** The response is complete (sent, or abandoned with its connection). */
  responseDone (res: RawResponse): void
  /** Sends a hit's whole answer (its wire form) its own way; without it, the answer is written to the socket. */
  sendHit?: (wire: Buffer) => void
  /** Called before anything else is written to the socket: what sendHit holds must leave first. */
  flushHits?: () => void
}

export class RawResponse implements ResponseSink {
  shouldKeepAlive: boolean
  headersSent = false
  /** The status of the head sent (or passed on); 0 before one. */
  statusCode = 0
  readonly #socket: Socket
  readonly #owner: RawResponseOwner
  readonly #bodyless: boolean
  readonly #http10: boolean
  #head: string | undefined
  #chunked = false
  /** Ended, abandoned or destroyed: nothing more is written. */
  #closed = false
  /** One listener (begin()'s, nearly always) or, past one, a list. */
  #onClose: (() => void) | Array<() => void> | undefined

  constructor (socket: Socket, owner: RawResponseOwner, method: string, keepAlive: boolean, http10: boolean) {
    this.#socket = socket
    this.#owner = owner
    this.#bodyless = method === 'HEAD'
    this.shouldKeepAlive = keepAlive
    this.#http10 = http10
  }

  get destroyed (): boolean { return this.#closed || this.#socket.destroyed }
  get writableLength (): number { return this.#socket.writableLength }

  writeHead (status: number, a: string | OutgoingHeaders, b?: OutgoingHeaders): this {
    const lines = renderHeaderLines(typeof a === 'string' ? b ?? [] : a)
    this.#setHead(status, reason(status, typeof a === 'string' ? a : ''), lines, '', false)
    return this
  }

  /**
   * A whole response whose header lines were rendered (and checked) before: a turbocache hit. `extra`: more lines,
   * Ferry's own; the Content-Length is the body's.
   */
  endPrepared (status: number, statusText: string, lines: HeaderLines, extra: string, body: Buffer): void {
    if (this.#closed) return
    this.#setHead(status, reason(status, statusText), lines, `${extra}Content-Length: ${body.length}\r\n`, true)
    this.end(body)
  }

  /** A turbocache hit, `age` seconds old: its kept wire form when it has one for this answer, else as endPrepared. */
  endHit (hit: KeptHit, age: number): void {
    if (this.#closed) return
    const wire = this.#bodyless || !this.shouldKeepAlive || this.#owner.closing() ? undefined : hit.wire(age)
    if (wire === undefined) { this.endPrepared(hit.status, hit.statusText, hit.lines, `Age: ${age}\r\n`, hit.body); return }
    this.headersSent = true
    this.statusCode = hit.status
    if (this.#owner.sendHit !== undefined) this.#owner.sendHit(wire)
    else {
      holdUntilTurnEnds(this.#socket)
      this.#socket.write(wire)
    }
    this.#close()
  }

  /**
   * A head whose header lines were checked before (the app's, by the response parser). `extra`: more lines, Ferry's
   * own; `extraHasLength`: they include the Content-Length.
   */
  writeHeadPrepared (status: number, statusText: string, lines: HeaderLines, extra: string, extraHasLength: boolean): void {
    if (this.#closed) return
    this.#setHead(status, reason(status, statusText), lines, extra, extraHasLength)
  }

  /** `extra`: more header lines, trusted (Ferry's own); `whole`: they include the Content-Length. */
  #setHead (status: number, text: string, lines: HeaderLines, extra: string, whole: boolean): void {
    let head = `HTTP/1.1 ${status} ${text}\r\n${lines.text}${extra}`
    const noBody = this.#bodyless || status === 204 || status === 304 || (status >= 100 && status < 200)
    if (!noBody && !lines.hasLength && !whole) {
      if (this.#http10) this.shouldKeepAlive = false
      else { this.#chunked = true; head += 'Transfer-Encoding: chunked\r\n' }
    }
    if (!lines.hasDate) head += `Date: ${httpDate()}\r\n`
    if (this.shouldKeepAlive && this.#owner.closing()) this.shouldKeepAlive = false
    head += this.shouldKeepAlive ? KEEP_ALIVE : 'Connection: close\r\n\r\n'
    this.#head = head
    this.headersSent = true
    this.statusCode = status
  }

  write (chunk: Buffer): boolean {
    if (this.#closed) return false
    this.#hold()
    if (this.#bodyless || chunk.length === 0) { this.#flushHead(); return true }
    if (!this.#chunked) return this.#head === undefined ? this.#socket.write(chunk) : this.#writeWithHead(chunk)
    const s = this.#socket
    s.cork()
    this.#flushHead()
    const ok = this.#writeChunk(chunk)
    s.uncork()
    return ok
  }

  end (chunk?: Buffer | string): this {
    if (this.#closed) return this
    if (!this.headersSent) this.writeHead(200, [])
    this.#hold()
    const body = this.#bodyless || chunk === undefined ? undefined : typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    const s = this.#socket
    if (this.#chunked) {
      s.cork()
      this.#flushHead()
      if (body !== undefined && body.length > 0) this.#writeChunk(body)
      s.write(LAST_CHUNK, 'latin1')
      s.uncork()
    } else if (body !== undefined && body.length > 0) {
      if (this.#head === undefined) s.write(body)
      else this.#writeWithHead(body)
    } else this.#flushHead()
    this.#close()
    return this
  }

  destroy (): this {
    this.#socket.destroy()
    this.#close()
    return this
  }

  /** The connection went away before the response was complete. */
  abandon (): void { this.#close() }

  /** The app's own head went to the client as it came (a 101 opening a tunnel): this response is over. */
  passedOn (status: number): void {
    this.statusCode = status
    this.headersSent = true
    this.#close()
  }

  once (event: 'close' | 'drain', listener: () => void): this {
    if (event === 'drain') this.#socket.once('drain', listener)
    else if (!this.#closed) {
      const had = this.#onClose
      this.#onClose = had === undefined ? listener : Array.isArray(had) ? (had.push(listener), had) : [had, listener]
    }
    return this
  }

  off (event: 'close', listener: () => void): this {
    const had = this.#onClose
    if (event !== 'close' || had === undefined) return this
    if (had === listener) this.#onClose = undefined
    else if (Array.isArray(had)) {
      const i = had.indexOf(listener)
      if (i >= 0) had.splice(i, 1)
    }
    return this
  }

  #hold (): void {
    this.#owner.flushHits?.()
    holdUntilTurnEnds(this.#socket)
  }

  #writeChunk (chunk: Buffer): boolean {
    const s = this.#socket
    s.write(`${chunk.length.toString(16)}\r\n`, 'latin1')
    s.write(chunk)
    return s.write('\r\n', 'latin1')
  }

  #writeWithHead (body: Buffer): boolean {
    const head = this.#head!
    this.#head = undefined
    const s = this.#socket
    if (body.length < COPY_BELOW) {
      const out = Buffer.allocUnsafe(head.length + body.length)
      out.write(head, 0, 'latin1')
      body.copy(out, head.length)
      return s.write(out)
    }
    s.cork()
    s.write(head, 'latin1')
    const ok = s.write(body)
    s.uncork()
    return ok
  }

  #flushHead (): void {
    if (this.#head === undefined) return
    const head = this.#head
    this.#head = undefined
    this.#socket.write(head, 'latin1')
  }

  #close (): void {
    if (this.#closed) return
    this.#closed = true
    const listeners = this.#onClose
    this.#onClose = undefined
    if (typeof listeners === 'function') listeners()
    else if (listeners !== undefined) for (const l of listeners) l()
    this.#owner.responseDone(this)
  }
}
