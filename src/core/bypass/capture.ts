// Sees one response of the app's own handler as it is written (in a bypassed process there is no proxy between the
// app and its client to read it): its head once node has rendered it, each body chunk, and how it ended. Only the
// response object at hand is wrapped, and only for a response the turbocache may store or that invalidates, so
// every other response costs nothing.
import type { ServerResponse } from 'node:http'

export interface ResponseWatcher {
  /** The head as node sends it: status, reason, and a flat [name, value, …] list. */
  onHead (status: number, statusText: string, headers: string[]): void
  onBody (chunk: Buffer): void
  /** Once: `finished` when the whole response was handed to the connection; `headed` when its head was written. */
  onEnd (finished: boolean, headed: boolean): void
}

type Write = (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean
type End = (chunk?: unknown, encoding?: unknown, cb?: unknown) => ServerResponse
type WriteHead = (...args: unknown[]) => ServerResponse

/** node's rendered head ("HTTP/1.1 200 OK\r\nName: value\r\n…\r\n\r\n"); the one place every way of setting headers meets. */
interface RenderedHead { _header?: string | null }

export function captureResponse (res: ServerResponse, w: ResponseWatcher): void {
  let headed = false
  let ended = false
  const head = (): void => {
    if (headed) return
    const rendered = (res as unknown as RenderedHead)._header
    if (typeof rendered !== 'string') return
    headed = true
    w.onHead(res.statusCode, res.statusMessage ?? '', headerList(rendered))
  }
  const body = (chunk: unknown, encoding: unknown): void => {
    if (!headed || chunk == null || typeof chunk === 'function') return
    const buf = toBuffer(chunk, encoding)
    if (buf !== undefined && buf.length > 0) w.onBody(buf)
  }
  const end = (finished: boolean): void => {
    if (ended) return
    ended = true
    w.onEnd(finished, headed)
  }
  // writeHead is where node renders the head (write() and end() call it for an implicit one, through this object).
  const writeHead = res.writeHead as unknown as WriteHead
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const out = writeHead.apply(this, args)
    head()
    return out
  } as unknown as ServerResponse['writeHead']
  const write = res.write as unknown as Write
  res.write = function (this: ServerResponse, chunk: unknown, encoding?: unknown, cb?: unknown) {
    const out = write.call(this, chunk, encoding, cb)
    head()
    body(chunk, encoding)
    return out
  } as unknown as ServerResponse['write']
  const endCall = res.end as unknown as End
  res.end = function (this: ServerResponse, chunk?: unknown, encoding?: unknown, cb?: unknown) {
    const wasEnded = this.writableEnded
    const out = endCall.call(this, chunk, encoding, cb)
    if (!wasEnded) { head(); body(chunk, encoding) }
    return out
  } as unknown as ServerResponse['end']
  res.once('finish', () => end(true))
  res.once('close', () => end(res.writableFinished))
}

function toBuffer (chunk: unknown, encoding: unknown): Buffer | undefined {
  if (Buffer.isBuffer(chunk)) return chunk
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8')
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  return undefined
}

/** The rendered head's fields as a flat list (the status line and the blank line end skipped). */
export function headerList (rendered: string): string[] {
  const out: string[] = []
  let at = rendered.indexOf('\r\n') + 2
  while (at > 1 && at < rendered.length) {
    const eol = rendered.indexOf('\r\n', at)
    if (eol === -1 || eol === at) break
    const colon = rendered.indexOf(':', at)
    if (colon !== -1 && colon < eol) out.push(rendered.slice(at, colon), rendered.slice(colon + 1, eol).trim())
    at = eol + 2
  }
  return out
}
