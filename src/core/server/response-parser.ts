// An HTTP/1.1 response parser for the core→app leg. The core talks only to app processes it started, over
// keep-alive connections, so it needs just what a proxy needs: the status, the raw header list and the body
// framing. Measured against undici on this path it does the same work for about a third less CPU per request,
// which is most of the proxy's budget (see README, Performance).
//
// The head is checked here, once, by the rules node applies when a response is written (token names; no control
// bytes, bare CR or LF in values), so what reaches the client can be written without checking every header again
// and an app can never split the response Ferry sends on its behalf.

import { HEADER_LINE, splitConnection } from './headers.js'
import { AppHead } from './app-head.js'
import { FerryError } from '../errors.js'

export interface ParserEvents {
  onHead (head: AppHead): void
  onBody (chunk: Buffer): void
  /** The message is complete; `reusable` says whether the connection may carry another request. */
  onComplete (reusable: boolean): void
}

const MAX_HEAD_BYTES = 64 * 1024
const MAX_CHUNK_LINE = 1024
const CRLF = Buffer.from('\r\n')
const HEAD_END = Buffer.from('\r\n\r\n')
/**
 * As many header lines as follow from where the sticky search starts, each `token ":" value CRLF`: a value holds no
 * control byte but tab (so no CR or LF), as node requires of a header it writes. The head is good when the match
 * reaches its end; where it stops is the first bad line. The classes cannot overlap, so it never backtracks.
 */
const HEADER_LINES = new RegExp(`(?:${HEADER_LINE})*`, 'y')
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/

/** The end of the header lines that start at `from` and are good: text.length when they all are. */
function endOfGoodLines (text: string, from: number): number {
  HEADER_LINES.lastIndex = from
  HEADER_LINES.test(text)
  return HEADER_LINES.lastIndex
}

const isBlank = (c: number): boolean => c === 32 || c === 9

/** The line that starts at `at`, shortened for the log. */
function lineAt (text: string, at: number): string {
  const eol = text.indexOf('\r\n', at)
  return text.slice(at, Math.min(eol < 0 ? text.length : eol, at + 80))
}

/**
 * What the app sent cannot be read as an HTTP/1.1 response (E_APP_RESPONSE_INVALID), or ended before it was complete
 * (E_APP_RESPONSE). A FerryError, so its code and status reach the client's error page and the log as they are.
 */
export class ParseError extends FerryError {
  constructor (message: string, code: 'E_APP_RESPONSE_INVALID' | 'E_APP_RESPONSE' = 'E_APP_RESPONSE_INVALID') {
    super(code, message)
  }
}

const enum State { Head, Length, ChunkSize, ChunkData, ChunkDataEnd, Trailers, UntilClose, Done }

export class ResponseParser {
  #state = State.Head
  #pending: Buffer | undefined
  #remaining = 0
  #keepAlive = true
  readonly #events: ParserEvents
  readonly #bodyless: boolean

  /** `bodyless`: the request was HEAD, so the response has no body whatever its headers say. */
  constructor (events: ParserEvents, bodyless: boolean) {
    this.#events = events
    this.#bodyless = bodyless
  }

  get done (): boolean { return this.#state === State.Done }

  /** Feeds bytes from the app; throws ParseError on a malformed response. */
  execute (input: Buffer): void {
    let buf = this.#pending === undefined ? input : Buffer.concat([this.#pending, input])
    this.#pending = undefined
    while (buf.length > 0 && this.#state !== State.Done) {
      const used = this.#step(buf)
      // Kept past this call, so a copy: `input` may be a view of a buffer the next read overwrites.
      if (used < 0) { this.#pending = Buffer.from(buf); return }
      buf = buf.subarray(used)
    }
    if (buf.length > 0 && this.#state === State.Done) throw new ParseError('the app sent bytes after the end of its response')
  }

  /** The app closed the connection: completes a read-until-close body, else the response was cut short. */
  finishOnClose (): void {
    if (this.#state === State.UntilClose) { this.#complete(false); return }
    if (this.#state !== State.Done) throw new ParseError('the app closed the connection before the response was complete', 'E_APP_RESPONSE')
  }

  /** Returns bytes consumed, or -1 when more input is needed. */
  #step (buf: Buffer): number {
    switch (this.#state) {
      case State.Head: return this.#head(buf)
      case State.Length: return this.#lengthBody(buf)
      case State.ChunkSize: return this.#chunkSize(buf)
      case State.ChunkData: return this.#chunkData(buf)
      case State.ChunkDataEnd: return this.#expectCrlf(buf)
      case State.Trailers: return this.#trailers(buf)
      case State.UntilClose: this.#events.onBody(buf); return buf.length
      default: return buf.length
    }
  }

  #head (buf: Buffer): number {
    const end = buf.indexOf(HEAD_END)
    if (end < 0 ? buf.length > MAX_HEAD_BYTES : end > MAX_HEAD_BYTES) throw new ParseError('the app sent a response head over 64 KiB')
    if (end < 0) return -1
    // The head with its last line's CRLF, so that every header line ends in one.
    const text = buf.toString('latin1', 0, end + 2)
    const firstEol = text.indexOf('\r\n')
    const m = STATUS_LINE.exec(text.slice(0, firstEol))
    if (m === null) throw new ParseError(`the app sent an invalid status line: ${JSON.stringify(text.slice(0, Math.min(firstEol, 80)))}`)
    const status = Number(m[2])
    if (status >= 100 && status < 200 && status !== 101) return end + 4 // informational: the real response follows
    if (status === 101) throw new ParseError('the app switched protocols on a request that did not ask to')
    const good = endOfGoodLines(text, firstEol + 2)
    if (good !== text.length) throw new ParseError(`the app sent an invalid header line: ${JSON.stringify(lineAt(text, good))}`)
    this.#keepAlive = m[1] === '1'
    this.#headers(status, m[3] ?? '', text, firstEol + 2)
    return end + 4
  }

  /** Reads the header lines that start at `from` (already checked: see endOfGoodLines), then frames the body. */
  #headers (status: number, statusText: string, text: string, from: number): void {
    const headers: string[] = []
    const names: string[] = []
    const lineStarts: number[] = []
    let length = -1
    let chunked = false
    for (let at = from; at < text.length;) {
      const eol = text.indexOf('\r\n', at)
      const colon = text.indexOf(':', at)
      // Blanks around a value are spaces and tabs only: the line check let no other control byte through.
      let start = colon + 1
      let stop = eol
      while (start < stop && isBlank(text.charCodeAt(start))) start++
      while (stop > start && isBlank(text.charCodeAt(stop - 1))) stop--
      const name = text.slice(at, colon)
      const value = text.slice(start, stop)
      lineStarts.push(at)
      at = eol + 2
      const lower = name.toLowerCase()
      if (lower === 'content-length') {
        // One length, digits only: a repeated one (even equal) is refused, as node refuses it.
        if (!/^\d{1,15}$/.test(value) || length >= 0) throw new ParseError('the app sent an invalid or repeated Content-Length')
        length = Number(value)
      } else if (lower === 'transfer-encoding') {
        // Only plain chunked: any other coding (or a second header) would need reading until close, which a
        // keep-alive connection cannot do safely; an app server never needs it.
        if (chunked || value.toLowerCase() !== 'chunked') throw new ParseError(`the app sent a Transfer-Encoding Ferry does not accept: ${JSON.stringify(value.slice(0, 80))}`)
        chunked = true
      } else if (lower === 'connection') {
        const tokens = splitConnection(value)
        if (tokens.includes('close')) this.#keepAlive = false
        else if (tokens.includes('keep-alive')) this.#keepAlive = true
      }
      headers.push(name, value)
      names.push(lower)
    }
    // A body framed both ways may be an attempt at response splitting (RFC 9112 §6.3): refused, as node refuses it.
    if (chunked && length >= 0) throw new ParseError('the app sent both Transfer-Encoding and Content-Length')
    this.#events.onHead(new AppHead(status, statusText, headers, names, text, lineStarts, chunked))
    this.#frame(status, length, chunked)
  }

  #frame (status: number, length: number, chunked: boolean): void {
    if (this.#bodyless || status === 204 || status === 304) { this.#complete(this.#keepAlive); return }
    if (chunked) { this.#state = State.ChunkSize; return }
    if (length >= 0) {
      this.#remaining = length
      if (length === 0) this.#complete(this.#keepAlive)
      else this.#state = State.Length
      return
    }
    this.#state = State.UntilClose
  }

  #lengthBody (buf: Buffer): number {
    const n = Math.min(buf.length, this.#remaining)
    this.#remaining -= n
    this.#events.onBody(n === buf.length ? buf : buf.subarray(0, n))
    if (this.#remaining === 0) this.#complete(this.#keepAlive)
    return n
  }

  #chunkSize (buf: Buffer): number {
    const nl = buf.indexOf(CRLF)
    if (nl < 0) {
      if (buf.length > MAX_CHUNK_LINE) throw new ParseError('the app sent an over-long chunk size line')
      return -1
    }
    const text = buf.toString('latin1', 0, nl)
    const semi = text.indexOf(';')
    // No blanks around the size: a lenient reading here is how two parsers come to disagree about a body.
    const hex = semi < 0 ? text : text.slice(0, semi)
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new ParseError('the app sent an invalid chunk size')
    this.#remaining = Number.parseInt(hex, 16)
    this.#state = this.#remaining === 0 ? State.Trailers : State.ChunkData
    return nl + 2
  }

  #chunkData (buf: Buffer): number {
    const n = Math.min(buf.length, this.#remaining)
    this.#remaining -= n
    this.#events.onBody(n === buf.length ? buf : buf.subarray(0, n))
    if (this.#remaining === 0) this.#state = State.ChunkDataEnd
    return n
  }

  #expectCrlf (buf: Buffer): number {
    if (buf.length < 2) return -1
    if (buf[0] !== 13 || buf[1] !== 10) throw new ParseError('the app sent a chunk without its closing CRLF')
    this.#state = State.ChunkSize
    return 2
  }

  /** Trailer fields are dropped (the front server does not forward them); an empty line ends the message. */
  #trailers (buf: Buffer): number {
    const nl = buf.indexOf(CRLF)
    if (nl < 0) {
      if (buf.length > MAX_HEAD_BYTES) throw new ParseError('the app sent over-long trailers')
      return -1
    }
    if (nl === 0) this.#complete(this.#keepAlive)
    return nl + 2
  }

  #complete (reusable: boolean): void {
    this.#state = State.Done
    this.#events.onComplete(reusable)
  }
}
