// What the request path needs from a request and its response. node's IncomingMessage and ServerResponse satisfy
// these as they are; the lean front (lean-connection.ts) provides lighter ones for the requests it parses itself.
// Keeping the path to these few members is what lets both fronts share one pipeline.
import type { IncomingHttpHeaders } from 'node:http'

/**
 * On a request whose absolute-form target names another host than the Host it was sent with: that Host. The app is
 * told (or routes on) one of the two, and one that serves a single site writes the same resource whatever it is
 * told, so a write invalidates under both (Turbocache.invalidate).
 */
export const kSentHost = Symbol('ferry.sentHost')

export interface RequestHead {
  readonly method?: string | undefined
  readonly url?: string | undefined
  /** Lowercase names; duplicates joined as node joins them. */
  readonly headers: IncomingHttpHeaders
  /** The header list as received: [name, value, …]. */
  readonly rawHeaders: string[]
  readonly socket: ClientSocket
  /** `1.1` or `1.0` (node's IncomingMessage has it; so does the lean front's request). */
  readonly httpVersion?: string
  readonly [kSentHost]?: string | undefined
}

/** The client's connection, as the request path sees it (a net.Socket on both fronts). */
export interface ClientSocket {
  readonly remoteAddress?: string | undefined
  readonly bytesRead?: number
  readonly bytesWritten?: number
  readonly destroyed?: boolean
  /** 'drain': everything written has gone to the kernel. 'close': the connection is gone. See client-watch.ts. */
  on (event: 'drain' | 'close', listener: () => void): unknown
}

/** Header lines as they go on the wire, and what the framing needs to know about them. */
export interface HeaderLines {
  readonly text: string
  readonly hasLength: boolean
  readonly hasDate: boolean
}

/** A flat [name, value, …] list or an object of headers. */
export type OutgoingHeaders = string[] | Record<string, string | number>

export interface ResponseSink {
  readonly destroyed: boolean
  readonly headersSent: boolean
  /** The status of the head, once sent (node's ServerResponse says 200 before that: read it with headersSent). */
  readonly statusCode: number
  /** Bytes accepted but not yet handed to the kernel. */
  readonly writableLength: number
  /** Set to false to close the connection after this response. */
  shouldKeepAlive: boolean
  writeHead (status: number, statusText: string, headers: OutgoingHeaders): unknown
  writeHead (status: number, headers: OutgoingHeaders): unknown
  write (chunk: Buffer): boolean
  end (chunk?: Buffer | string): unknown
  destroy (err?: Error): unknown
  /** 'close': the response is over (sent, or its connection went away). 'drain': the client caught up. */
  once (event: 'close' | 'drain', listener: () => void): unknown
  off (event: 'close', listener: () => void): unknown
  /**
   * A whole response in one call, its header lines rendered and checked beforehand (a turbocache entry is rendered
   * once, not on every hit); `extra` lines are Ferry's own, and the Content-Length is the body's. Only the lean
   * front's responses have it.
   */
  endPrepared?: (status: number, statusText: string, lines: HeaderLines, extra: string, body: Buffer) => void
  /** A turbocache hit `age` seconds old, as endPrepared with its Age line, written from a kept wire form when it can. */
  endHit?: (hit: KeptHit, age: number) => void
  /**
   * A head whose header lines were checked beforehand (the response parser checks the app's); `extra` lines are
   * Ferry's own, and `extraHasLength` says they hold the Content-Length. Only the lean front's responses have it.
   */
  writeHeadPrepared?: (status: number, statusText: string, lines: HeaderLines, extra: string, extraHasLength: boolean) => void
}

/** What the request path can do to an exchange with an app process in progress. */
export interface Abortable { abort (err: Error): void }

/**
 * A turbocache entry made ready for its hits (raw-response.ts's PreparedHit): declared here so that the sinks can take
 * one without this file importing raw-response.ts.
 */
export interface KeptHit {
  readonly status: number
  readonly statusText: string
  readonly lines: HeaderLines
  readonly body: Buffer
  /** The whole response, kept alive, with this Age; undefined when the body is too large to be worth a copy. */
  wire (age: number): Buffer | undefined
}
