// What node's HTTP server reads, in the order HTTP requires: pipelined requests one at a time behind the response
// node is writing, none after a refusal, and malformed ones answered on their own connection only.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { isRefused } from './pipeline/admit.js'

/** The request node's server read last on each connection: a parse error after it may be inside its body. */
const lastRequest = new WeakMap<Duplex, IncomingMessage>()

/** node's 'request' listener around `serve` (the pipeline's entry for requests node parsed). */
export function inOrder (serve: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // node parses pipelined requests ahead and hands each over at once. Those behind a refused one are never acted on
    // (the connection closes after the refusal). The others are served one at a time, in order, as the lean front
    // and nginx serve them (RFC 9112 §9.3.2), each once node gives its response the connection: otherwise one
    // connection could put any number of (unsafe) requests in the app at once, past every budget.
    if (isRefused(req.socket)) { req.resume(); return }
    lastRequest.set(req.socket, req)
    if (res.socket === null) { res.once('socket', () => { if (!isRefused(req.socket)) serve(req, res) }); return }
    serve(req, res)
  }
}

/** The response node's server is writing on this connection, if any (pipelined ones wait behind it for their turn). */
function pendingResponse (socket: Duplex): ServerResponse | undefined {
  return (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined
}

/** Runs `fn` once node's server has finished every response it owes on this connection (it hands them the socket in turn). */
export function afterEarlierResponses (socket: Duplex, fn: () => void): void {
  const pending = pendingResponse(socket)
  if (pending === undefined) { fn(); return }
  pending.once('close', () => setImmediate(() => afterEarlierResponses(socket, fn)))
}

/** Malformed requests get a minimal answer on their own connection; everyone else is unaffected. */
export function answerClientError (err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) { socket.destroy(); return }
  // The bad bytes were inside a request's body: that request is broken and may already be at the app. The connection
  // is closed, which aborts it there; an error answer now could only be taken for the answer to another request.
  if (lastRequest.get(socket)?.complete === false) { socket.destroy(); return }
  // Bytes after a request that said Connection: close, or after one Ferry refused (its connection closes after the
  // refusal): that request is answered, the rest ignored (as nginx does) rather than given an answer of its own.
  if (err.code === 'HPE_CLOSED_CONNECTION' || isRefused(socket)) { afterEarlierResponses(socket, () => socket.end()); return }
  // Requests read before the bad one are answered first, in order: a 400 written now would take the place of their
  // responses (and leave them in flight forever).
  if (pendingResponse(socket) !== undefined) { afterEarlierResponses(socket, () => answerClientError(err, socket)); return }
  const [status, text] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request']
  const body = `${status} ${text}\n`
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
}
