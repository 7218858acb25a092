// The turbocache's requests to the app about a stale entry: a conditional request made for a waiting client (a 304
// renews the entry and the client is served from it; a 5xx or a failure to reach the app may be answered with the
// stale entry under stale-if-error), and the background revalidation stale-while-revalidate starts, which has no
// client at all. Both go through the ordinary pool and proxy: only the request head and the response sink differ.
//
// The client's own If-None-Match / If-Modified-Since (and Range / If-Range) are not sent with a revalidation: the
// cache's validators are, for the whole response. The client's conditions and range are then evaluated by the cache
// on the entry it is answered with (a 304 when they match, a 206); a 200 from the app reaches the client whole, as a
// miss would.
import type { ClientSocket, OutgoingHeaders, RequestHead, ResponseSink } from './exchange-types.js'
import type { CachedResponse } from '../cache/types.js'
import { ERROR_STATUSES } from '../cache/stale.js'

/** Client fields a revalidation leaves out: it asks with the cache's validators, for the whole response. */
const CLIENT_CONDITIONALS: readonly string[] = ['if-none-match', 'if-modified-since', 'range', 'if-range']

/**
 * `req` as the app should see it for a revalidation: GET, the client's conditionals replaced by `conditional` (flat
 * [name, value, …], see conditionalHeaders). `socket`: the client's, or a detached one for a background request.
 */
export function revalidationRequest (req: RequestHead, conditional: readonly string[], socket: ClientSocket = req.socket): RequestHead {
  const rawHeaders: string[] = []
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    if (!CLIENT_CONDITIONALS.includes(raw[i]!.toLowerCase())) rawHeaders.push(raw[i]!, raw[i + 1]!)
  }
  const headers = { ...req.headers }
  for (const name of CLIENT_CONDITIONALS) delete headers[name]
  for (let i = 0; i < conditional.length; i += 2) {
    rawHeaders.push(conditional[i]!, conditional[i + 1]!)
    headers[conditional[i]!.toLowerCase()] = conditional[i + 1]!
  }
  return { method: 'GET', url: req.url, headers, rawHeaders, socket }
}

/** The connection a background revalidation "comes from": the address of the client whose request started it. */
export function detachedSocket (remoteAddress: string | undefined): ClientSocket {
  return { remoteAddress, bytesRead: 0, bytesWritten: 0, destroyed: false, on: () => undefined }
}

/** Stands for "ask the app again" where a RevalidationSink keeps the entry it answers with instead. */
const ASK_AGAIN = Object.freeze({}) as CachedResponse

/** What serves an entry to a client (the hit path's serve, with the client's conditionals evaluated). */
export type ServeEntry = (entry: CachedResponse) => void

/**
 * The response sink of a revalidation made for a waiting client. The app's answer passes through to the client,
 * except a 304 that renewed the entry (the client is served the renewed entry instead), and, when stale-if-error
 * allows it, a 5xx or Ferry's own error page (the client is served the stale entry): those are taken in here.
 */
export class RevalidationSink implements ResponseSink {
  readonly #res: ResponseSink
  readonly #serve: ServeEntry
  /** The stale entry stale-if-error allows serving in place of an error; undefined when it does not. */
  readonly #onError: CachedResponse | undefined
  readonly #onStaleServed: () => void
  /** Set by the recorder when a 304 renewed the entry: what the client gets. */
  #renewed: CachedResponse | undefined
  /** The entry the client gets instead of the app's answer, once its head came. */
  #instead: CachedResponse | undefined
  #answered = false

  constructor (res: ResponseSink, serve: ServeEntry, onError: CachedResponse | undefined, onStaleServed: () => void) {
    this.#res = res
    this.#serve = serve
    this.#onError = onError
    this.#onStaleServed = onStaleServed
  }

  /** The entry a 304 renewed (called by the recorder, before the 304's head reaches this sink). */
  renewed (entry: CachedResponse): void { this.#renewed = entry }

  /**
   * Set by the front server: takes the client's request through the cache once more (the stored entry is gone by
   * then, so to the app as a miss). Without it, such a 304 passes through as it came.
   */
  again: (() => void) | undefined

  /**
   * The 304 was about another representation (called by the recorder, before its head reaches this sink): it says
   * nothing the client asked about, so once it is over the client's request is asked again.
   */
  askAgain (): void { if (this.again !== undefined) this.#askAgain = true }
  #askAgain = false

  get destroyed (): boolean { return this.#answered || this.#res.destroyed }
  get headersSent (): boolean { return this.#instead !== undefined || this.#res.headersSent }
  get statusCode (): number { return this.#res.statusCode }
  get writableLength (): number { return this.#res.writableLength }
  get shouldKeepAlive (): boolean { return this.#res.shouldKeepAlive }
  set shouldKeepAlive (v: boolean) { this.#res.shouldKeepAlive = v }

  writeHead (status: number, statusTextOrHeaders: string | OutgoingHeaders, headers?: OutgoingHeaders): this {
    if (status === 304 && this.#renewed !== undefined) this.#instead = this.#renewed
    else if (status === 304 && this.#askAgain) this.#instead = ASK_AGAIN
    else if (this.#onError !== undefined && ERROR_STATUSES.has(status)) this.#instead = this.#onError
    else if (headers === undefined) this.#res.writeHead(status, statusTextOrHeaders as OutgoingHeaders)
    else this.#res.writeHead(status, statusTextOrHeaders as string, headers)
    return this
  }

  write (chunk: Buffer): boolean {
    return this.#instead === undefined ? this.#res.write(chunk) : true
  }

  end (chunk?: Buffer | string): this {
    if (this.#instead === undefined) this.#res.end(chunk)
    else this.#answerInstead()
    return this
  }

  destroy (err?: Error): this {
    // An error answer that broke off, or a 304 whose connection closed early: the client still gets its entry.
    if (this.#instead === undefined) this.#res.destroy(err)
    else this.#answerInstead()
    return this
  }

  #answerInstead (): void {
    if (this.#answered) return
    this.#answered = true
    const entry = this.#instead!
    if (entry === ASK_AGAIN) {
      // After this exchange has let go of its process.
      const again = this.again!
      setImmediate(() => { if (!this.#res.destroyed) again() })
      return
    }
    if (entry !== this.#renewed) this.#onStaleServed()
    this.#serve(entry)
  }

  once (event: 'close' | 'drain', listener: () => void): this { this.#res.once(event, listener); return this }
  off (event: 'close', listener: () => void): this { this.#res.off(event, listener); return this }
}

/**
 * The response sink of a background revalidation: no client. The recorder sees the answer as it streams (and
 * stores or renews the entry); the sink takes every byte at once, so the app is never held back.
 */
export class DetachedSink implements ResponseSink {
  destroyed = false
  headersSent = false
  readonly writableLength = 0
  shouldKeepAlive = false
  statusCode = 0
  #onClose: Array<() => void> = []

  writeHead (status: number): this { this.headersSent = true; this.statusCode = status; return this }
  write (): boolean { return true }
  end (): this { this.#close(); return this }
  destroy (): this { this.#close(); return this }

  /** Only 'close' ever fires: there is no client to drain. */
  once (event: 'close' | 'drain', listener: () => void): this {
    if (event === 'close' && !this.destroyed) this.#onClose.push(listener)
    return this
  }

  off (_event: 'close', listener: () => void): this {
    const i = this.#onClose.indexOf(listener)
    if (i !== -1) this.#onClose.splice(i, 1)
    return this
  }

  #close (): void {
    if (this.destroyed) return
    this.destroyed = true
    for (const l of this.#onClose.splice(0)) l()
  }
}
