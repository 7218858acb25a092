// One sweep over the requests in flight rather than a timer per request, so the request path pays nothing for
// --max-request-time and --request-body-timeout.
import type { Logger } from '../../log/logger.js'
import { FerryError } from '../../errors.js'
import type { Inflight, InflightEntry } from '../inflight.js'
import type { AppProcess } from '../../pool/app-process.js'

/** How often requests are compared with --max-request-time and --request-body-timeout. */
export const SWEEP_MS = 250

/**
 * Requests in an app process for longer than their app's limit get 504; the process is taken out and killed. A
 * request whose body stopped arriving gets 408 and its request in the app is aborted.
 */
export function timeOutStuckRequests (inflight: Inflight, logger: Logger, bodyTimeoutMs: number): void {
  const now = Date.now()
  for (const e of inflight.entries()) {
    if (e.body !== undefined) timeOutIdleBody(e, now, bodyTimeoutMs, logger)
    const p = e.process
    const limitMs = e.route?.maxRequestTimeMs ?? 0
    if (limitMs === 0 || p === undefined || e.exchange === undefined || e.dispatchedAt === 0 || now - inAppSince(e, p, now) < limitMs) continue
    const group = e.route!.group
    logger.error(`${e.req.method ?? ''} ${e.req.url ?? ''}: no response from app process ${p.pid} of ${group.name} ` +
      `within ${limitMs / 1000} s (--max-request-time); answering 504 and replacing the process`)
    group.abandon(p)
    e.exchange.abort(new FerryError('E_REQUEST_TIMEOUT', `the app did not answer within ${limitMs / 1000} s`))
    e.exchange = undefined
  }
}

/**
 * When a request began in its app: when it was sent, or, for one handed ahead to a process busy with another
 * (hand-ahead.ts), when that one finished (lastUsed then marks the start of what the process executes). While the one
 * in front runs, it has not begun: `now`. A process stuck on that one is killed, and this request goes elsewhere.
 */
function inAppSince (e: InflightEntry, p: AppProcess, now: number): number {
  if (e.behind < 0) return e.dispatchedAt
  return p.finished === e.behind ? now : Math.max(e.dispatchedAt, p.lastUsed)
}

/**
 * Idle means the client sent nothing while Ferry was reading: a body paused because the app reads it slowly is not
 * the client's fault, so the clock starts again. nginx's client_body_timeout, measured the same way.
 */
function timeOutIdleBody (e: InflightEntry, now: number, timeoutMs: number, logger: Logger): void {
  const body = e.body!
  if (body.stream.complete || e.exchange === undefined) { e.body = undefined; return }
  const bytes = e.req.socket.bytesRead ?? 0
  if (bytes !== body.bytes || body.stream.readableFlowing !== true) { body.bytes = bytes; body.at = now; return }
  if (now - body.at < timeoutMs) return
  e.body = undefined
  logger.info(`${e.req.method ?? ''} ${e.req.url ?? ''}: no byte of the request body from ${e.req.socket.remoteAddress ?? 'the client'} ` +
    `for ${timeoutMs / 1000} s (--request-body-timeout); answering 408 and aborting the request in the app`)
  // The rest of the body will not be read: the connection cannot carry another request.
  e.res.shouldKeepAlive = false
  e.exchange.abort(new FerryError('E_REQUEST_BODY_TIMEOUT', `no byte of the request body came for ${timeoutMs / 1000} s`))
  e.exchange = undefined
}
