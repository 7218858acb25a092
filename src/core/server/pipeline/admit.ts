// The pipeline's first stages: a request is counted and listed in flight (until its response closes), then checked
// (request-checks.ts: framing and Host are decided here, once) before anything routes or answers it.
import type { IncomingMessage } from 'node:http'
import type { RequestHead, ResponseSink } from '../exchange-types.js'
import type { InflightEntry } from '../inflight.js'
import { checkRequest } from '../request-checks.js'
import { answerPlain } from '../error-pages.js'
import type { PipelineState } from './state.js'
import { readClock } from '../read-clock.js'

/** Counts the request and links it into the in-flight list until its response closes. */
export function begin (st: PipelineState, req: RequestHead, res: ResponseSink): InflightEntry {
  const stats = st.stats
  stats.requestsBegun++
  // One clock reading per batch of requests read together (read-clock.ts), for its start and the request rate.
  const now = readClock()
  stats.requestRate.mark(1, now)
  stats.activeRequests++
  const entry = st.inflight.add(req, res, now)
  res.once('close', () => {
    stats.activeRequests--
    st.inflight.delete(entry)
    st.o.requestTally?.record(entry.route?.root, res.headersSent ? res.statusCode : 0, readClock() - entry.startedAt)
    if (entry.cacheFill !== undefined) entry.cacheFill.abandon()
  })
  if (st.draining) res.shouldKeepAlive = false
  return entry
}

/** Connections whose last answer is a refusal (framing or Host): what follows on them is not read as requests. */
const refusedConnections = new WeakSet<object>()

export function isRefused (socket: object): boolean { return refusedConnections.has(socket) }

/**
 * The checks on a request node's server parsed (the lean front makes its own as it parses). True when it was
 * refused: answered, and its connection closes after the answer.
 */
export function refused (req: IncomingMessage, res: ResponseSink): boolean {
  const refusal = checkRequest(req)
  if (refusal === undefined) return false
  refusedConnections.add(req.socket)
  res.shouldKeepAlive = false
  answerPlain(res, req.method, refusal.status, `${refusal.reason}\n`)
  return true
}
