// The lean front: one client connection read and answered without node's HTTP server, for as long as its requests
// are plain GETs and HEADs (lean-request.ts). node's server costs about as much CPU per request as the whole rest of
// a turbocache hit, so this is what lets a hit be cheaper than the app itself answering. At the first request it does
// not take (a body, an upgrade, a static file, a partial or unusual head), the connection, with every byte not yet
// answered, is handed to node's server for the rest of its life, between two requests, never during one.
// Where this Node allows it, its reads and its hits' writes go below net.Socket's streams (raw-io.ts).
import type { Socket } from 'node:net'
import { LeanRequest, MAX_LEAN_HEAD_BYTES, parseLeanHead, type LeanHead } from './lean-request.js'
import { KEEP_ALIVE_MS, RawResponse, type RawResponseOwner } from './raw-response.js'
import { rawIo, rawUnsent, readAsStream, readRaw, writeRaw } from './raw-io.js'
import { flushHitsAtTurnEnd, holdUntilTurnEnds } from './turn-end-writes.js'
import { endReadBatch, startReadBatch } from './read-clock.js'

const HEAD_END = Buffer.from('\r\n\r\n')
/** Pipelined bytes buffered while a response is in progress before the client is paused. */
const MAX_BUFFERED = 64 * 1024
/**
 * How often idle connections are looked for. Idleness is counted in these ticks rather than with socket.setTimeout,
 * which re-arms a timer on every read and every write (two per hit, each a trip into libuv for the time): a
 * connection idle for KEEP_ALIVE_MS is closed within one tick after, never before (the Keep-Alive header's promise).
 */
const IDLE_TICK_MS = 1_000
const IDLE_TICKS = Math.ceil(KEEP_ALIVE_MS / IDLE_TICK_MS)

/** Lean connections open now, for the idle sweep; the sweep runs only while there are some. */
const open = new Set<LeanConnection>()
let sweep: NodeJS.Timeout | undefined

function track (c: LeanConnection): void {
  open.add(c)
  sweep ??= setInterval(sweepIdle, IDLE_TICK_MS).unref()
}

function untrack (c: LeanConnection): void {
  open.delete(c)
  if (open.size === 0 && sweep !== undefined) { clearInterval(sweep); sweep = undefined }
}

function sweepIdle (): void {
  for (const c of open) c.idleTick()
}

/** Past this many bytes of pipelined hits held by one connection for the turn's end, they leave at once. */
const MAX_HELD_HIT_BYTES = 64 * 1024

export interface LeanHandlers {
  /** Starts answering; false when this request is not for the lean front (nothing has been done with it). */
  readonly serve: (req: LeanRequest, res: RawResponse) => boolean
  /** Gives the connection to node's HTTP server; unanswered bytes have been put back on the socket. */
  readonly handOff: (socket: Socket) => void
  /** Read once per finished response: when true, the connection closes instead of waiting for another request. */
  readonly draining: () => boolean
}

export class LeanConnection implements RawResponseOwner {
  readonly #socket: Socket
  readonly #h: LeanHandlers
  #buffered: Buffer | undefined
  /** #buffered is (a view of) the shared read buffer: copied before the read returns if it is kept. */
  #bufferedShared = false
  /**
   * The last head read and what it parsed to: a client asking again with the same head (a keep-alive connection's
   * next request, often) is not parsed again. LeanHeads are frozen, so one can serve any number of requests.
   */
  #lastText = ''
  #lastHead: LeanHead | undefined
  #current: RawResponse | undefined
  #looping = false
  #waitingForDrain = false
  /** A raw write (raw-io.ts) the kernel has not taken all of yet: the next request waits for it, as for 'drain'. */
  #rawWriting = false
  /** Hits' answers held until the end of the turn (sendHit). */
  #held: Buffer | undefined
  /**
   * Hits held after the first, joined once when they leave: joined one by one, a client pipelining small hits made
   * the core copy what it held again for each (up to 64 KiB per hit).
   */
  #heldMore: Buffer[] | undefined
  #heldBytes = 0
  #clientEnded = false
  /** This side ended: bytes the client still sends (a half-open client) are requests no one would receive. */
  #ended = false
  #gone = false
  /** Sweep ticks since bytes last came, a response ended or held output moved. */
  #idleTicks = 0
  /** What was waiting to be written at the last tick, to tell a slow reader from one that reads nothing. */
  #unsent = 0

  constructor (socket: Socket, handlers: LeanHandlers) {
    this.#socket = socket
    this.#h = handlers
    socket.setNoDelay(true)
    if (!readRaw(socket, this.#onRawRead)) socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('close', this.#onClose)
    socket.on('error', noop)
    track(this)
  }

  /** Called by the idle sweep: a connection with no response in progress and nothing read for KEEP_ALIVE_MS closes. */
  idleTick (): void {
    // A response in progress (a long poll, a slow app) is not idleness; a client that reads slowly neither, but one
    // that reads nothing of what waits for it is, as with node's socket timeout.
    const unsent = this.#socket.writableLength + (this.#rawWriting ? rawUnsent(this.#socket) : 0)
    const moved = unsent < this.#unsent
    this.#unsent = unsent
    if (this.#current !== undefined || moved) { this.#idleTicks = 0; return }
    if (++this.#idleTicks > IDLE_TICKS) { untrack(this); this.#socket.destroy() }
  }

  /** Closes the connection now if no response is in progress (graceful stop); else after it. */
  closeIfIdle (): void { if (this.#current === undefined && !this.#gone) this.#end() }

  /** Ends the connection after what was answered, held hits included. */
  #end (): void {
    this.flushHits()
    this.#ended = true
    this.#buffered = undefined
    this.#socket.end()
  }

  destroy (): void { this.#socket.destroy() }

  /** A read into the shared buffer (raw-io.ts): answered in place; what must wait is copied out before returning. */
  readonly #onRawRead = (n: number, buf: Buffer): void => {
    rawIo.readsTaken++
    const shared = this.#buffered === undefined
    this.#bufferedShared = shared
    // Joined to bytes kept from before, the read is copied by the concatenation.
    this.#onData(buf.subarray(0, n))
    if (this.#bufferedShared && this.#buffered !== undefined) this.#buffered = Buffer.from(this.#buffered)
    this.#bufferedShared = false
  }

  readonly #onData = (chunk: Buffer): void => {
    // After a Connection: close (or a graceful stop's) answer, like node's server: nothing more is read as a request.
    if (this.#ended) return
    this.#idleTicks = 0
    this.#buffered = this.#buffered === undefined ? chunk : Buffer.concat([this.#buffered, chunk])
    if (this.#current !== undefined) {
      if (this.#buffered.length > MAX_BUFFERED) this.#socket.pause()
      return
    }
    // The requests read here are begun (and hits answered) now, at one clock reading (read-clock.ts).
    const batch = startReadBatch()
    try { this.#next() } finally { if (batch) endReadBatch() }
  }

  // A client that closes its side while its request is in progress has gone: the request is dropped (the queue
  // lets go of it, the app's request is aborted) rather than answered to no one, as node's server (allowHalfOpen
  // off) and nginx do.
  readonly #onEnd = (): void => {
    this.#clientEnded = true
    if (this.#current === undefined) this.#end()
    else this.#socket.destroy()
  }

  readonly #onClose = (): void => {
    untrack(this)
    this.#gone = true
    this.#buffered = undefined
    this.#held = undefined
    this.#heldMore = undefined
    const res = this.#current
    this.#current = undefined
    res?.abandon()
  }

  closing (): boolean { return this.#clientEnded || this.#h.draining() }

  responseDone (res: RawResponse): void {
    if (this.#current !== res) return
    this.#current = undefined
    this.#idleTicks = 0
    if (this.#gone) return
    if (!res.shouldKeepAlive || this.closing()) { this.#end(); this.#buffered = undefined; return }
    if (this.#waitingForDrain || this.#rawWriting) return
    if (this.#socket.isPaused()) this.#socket.resume()
    if (this.#buffered !== undefined && !this.#looping) this.#next()
  }

  // A client that sends requests but does not read the answers must not make Ferry hold them all: the next request
  // waits until what was written has gone out (node's server does the same for pipelined requests).
  #waitForDrain (): void {
    if (this.#waitingForDrain) return
    this.#waitingForDrain = true
    this.#socket.pause()
    this.#socket.once('drain', this.#onDrain)
  }

  /**
   * A hit's whole answer, kept alive: straight to the socket's handle when nothing else waits to be written
   * (raw-io.ts), else through socket.write, held until the end of the turn like every other response.
   */
  sendHit (wire: Buffer): void {
    const held = this.#held
    if (held !== undefined) {
      ;(this.#heldMore ??= []).push(wire)
      this.#heldBytes += wire.length
      if (this.#heldBytes > MAX_HELD_HIT_BYTES) this.flushHits()
      return
    }
    const s = this.#socket
    if (rawIo.writes && !this.#rawWriting && s.writableLength === 0) {
      // Held until the end of the turn like every other response (turn-end-writes.ts says why).
      this.#held = wire
      this.#heldBytes = wire.length
      flushHitsAtTurnEnd(this)
      return
    }
    holdUntilTurnEnds(s)
    s.write(wire)
  }

  /** Writes the hits' answers held for the end of the turn, now. */
  flushHits (): void {
    let held = this.#held
    if (held === undefined) return
    this.#held = undefined
    const more = this.#heldMore
    this.#heldMore = undefined
    if (this.#gone) return
    if (more !== undefined) {
      more.unshift(held)
      held = Buffer.concat(more, this.#heldBytes)
    }
    const sent = writeRaw(this.#socket, held, this.#onRawWritten)
    if (sent === 'pending') this.#rawWriting = true
    else if (sent === 'no') this.#socket.write(held)
  }

  readonly #onRawWritten = (status: number): void => {
    this.#rawWriting = false
    if (status < 0) { this.#socket.destroy(); return }
    this.#onDrain()
  }

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false
    if (this.#gone || this.#rawWriting) return
    this.#socket.resume()
    if (this.#current === undefined && !this.#looping) this.#next()
  }

  /** Answers buffered requests one at a time; a response finished synchronously (a hit) lets the loop go on. */
  #next (): void {
    this.#looping = true
    try {
      while (this.#current === undefined && this.#buffered !== undefined && !this.#gone) {
        if (this.#rawWriting) { this.#socket.pause(); return }
        if (this.#socket.writableNeedDrain) { this.#waitForDrain(); return }
        const buf = this.#buffered
        const end = buf.indexOf(HEAD_END)
        const head = end < 0 || end > MAX_LEAN_HEAD_BYTES ? undefined : this.#parse(buf.toString('latin1', 0, end))
        if (head === undefined) { this.#handOff(); return }
        const req = new LeanRequest(head, this.#socket)
        const res = new RawResponse(this.#socket, this, head.method, head.keepAlive, head.http10)
        this.#current = res
        this.#buffered = end + 4 === buf.length ? undefined : buf.subarray(end + 4)
        if (!this.#h.serve(req, res)) {
          this.#current = undefined
          this.#buffered = buf
          this.#handOff()
          return
        }
      }
    } finally {
      this.#looping = false
    }
  }

  #parse (text: string): LeanHead | undefined {
    if (text === this.#lastText) return this.#lastHead
    const head = parseLeanHead(text)
    this.#lastText = text
    this.#lastHead = head
    return head
  }

  #handOff (): void {
    this.flushHits()
    const socket = this.#socket
    socket.off('data', this.#onData)
    socket.off('end', this.#onEnd)
    socket.off('close', this.#onClose)
    socket.off('error', noop)
    socket.off('drain', this.#onDrain)
    untrack(this)
    this.#gone = true
    const rest = this.#buffered
    this.#buffered = undefined
    readAsStream(socket)
    if (rest !== undefined) socket.unshift(this.#bufferedShared ? Buffer.from(rest) : rest)
    this.#bufferedShared = false
    this.#h.handOff(socket)
  }
}

function noop (): void {}
