// The checkout and dispatch stages: a process of the app's group is checked out (the least busy, or the one a sticky
// cookie names), or waited for in the group's queue, and the request is handed to it: through the proxy (proxy.ts),
// or for an upgrade on a connection of its own (upgrade.ts). An app whose processes take one request at a time has
// the body read whole first (request-spool.ts), so that a slow upload does not hold its only process.
import { IncomingMessage } from 'node:http'
import type { AppProcess } from '../../pool/app-process.js'
import type { Group } from '../../pool/group.js'
import { QueueLeave } from '../../pool/queue-leave.js'
import { FerryError, isFerryError } from '../../errors.js'
import type { RequestHead, ResponseSink } from '../exchange-types.js'
import { hasRequestBody } from '../headers.js'
import type { InflightEntry } from '../inflight.js'
import { proxyRequest, RETRYABLE, type ProxyContext } from '../proxy.js'
import { RequestSpool } from '../request-spool.js'
import { stickyIdOf, type AppRoute } from '../router.js'
import type { Recorder } from '../turbocache.js'
import { failPage } from './fail.js'
import type { PipelineState } from './state.js'

/** How many other processes a request may be given to when the one it was sent to cannot be reached. */
const MAX_UNREACHABLE_RETRIES = 3

// Made once: they only tell the group why a request ended (nothing is answered with them).
const NOT_REACHED = new FerryError('E_APP_RESPONSE', 'the app process did not get the request')

/** Where a checked-out process takes the request (one object per kind, so nothing is made per request). */
export interface Handover {
  dispatch (st: PipelineState, req: RequestHead, res: ResponseSink, entry: InflightEntry, route: AppRoute,
    p: AppProcess, recorder: Recorder | undefined, stickyId: string | undefined): void
}

/**
 * The restart restart.txt asked for is applied by the next request, before its app is asked: a boolean the watcher
 * sets, so the file system is never looked at here.
 */
export function applyPendingRestart (group: Group): void {
  if (group.restartPending) group.applyPendingRestart()
}

/** A process of the app's group, checked out or waited for in its queue; `cached`: the turbocache's recorder. */
export function toProcess (st: PipelineState, req: RequestHead, res: ResponseSink, entry: InflightEntry, route: AppRoute,
  cached: Recorder | undefined, to: Handover = PROXY): void {
  const group = route.group
  if (group.oneAtATime && entry.spooled === undefined && req === entry.req && req instanceof IncomingMessage && hasRequestBody(req.headers)) {
    readBodyFirst(st, req, res, entry, route, cached)
    return
  }
  const stickyId = stickyIdOf(route, req.headers)
  const p = group.checkout(stickyId)
  if (p !== undefined) { to.dispatch(st, req, res, entry, route, p, cached, stickyId); return }
  const queued = new QueueLeave()
  const onClose = (): void => queued.leave(new FerryError('E_CLIENT_GONE', 'the client went away while its request was queued'))
  res.once('close', onClose)
  // Hand-ahead (pool/hand-ahead.ts) only for what may safely be sent again: when the process it waits at dies, the
  // core cannot always tell whether the app had begun it (its loader may have finished the request in front of it
  // while the core still reads that answer), so a request that could change something waits in the queue instead.
  const mayWaitAtProcess = to === PROXY && entry.spooled === undefined && RETRYABLE.has(req.method ?? 'GET') && !hasRequestBody(req.headers)
  // checkout() just found none free: straight to the queue (or a process to wait at), not the balancer again.
  group.waitForProcess(queued, stickyId, mayWaitAtProcess).then(q => {
    res.off('close', onClose)
    if (res.destroyed) { group.giveBack(q); return }
    to.dispatch(st, req, res, entry, route, q, cached, stickyId)
  }, (err: unknown) => {
    res.off('close', onClose)
    if (!res.destroyed) failPage(st, req, res, err, route.friendlyErrorPages)
  })
}

/**
 * For an app whose processes take one request at a time, the body is read whole before one is checked out
 * (request-spool.ts); --request-body-timeout applies meanwhile as it does while a body streams to an app.
 */
function readBodyFirst (st: PipelineState, req: IncomingMessage, res: ResponseSink, entry: InflightEntry, route: AppRoute, cached: Recorder | undefined): void {
  const spool = new RequestSpool(req, st.o.requestSpoolDir, body => {
    entry.body = undefined
    entry.exchange = undefined
    res.off('close', giveUp)
    if (res.destroyed) { body.dispose(); return }
    entry.spooled = body
    res.once('close', () => body.dispose())
    toProcess(st, req, res, entry, route, cached)
  }, err => {
    entry.body = undefined
    entry.exchange = undefined
    if (res.destroyed) return
    // Its body is left unread: the connection cannot carry another request.
    res.shouldKeepAlive = false
    failPage(st, req, res, isFerryError(err) ? err : new FerryError('E_REQUEST_BODY_STORE', `the request body could not be stored: ${err.message}`, { cause: err }), route.friendlyErrorPages)
  })
  const giveUp = (): void => spool.dispose()
  res.once('close', giveUp)
  if (st.o.requestBodyTimeoutMs > 0 && !req.complete) {
    entry.body = { stream: req, bytes: req.socket.bytesRead, at: Date.now() }
    entry.exchange = spool
  }
}

/** The dispatch stage of an ordinary request: the proxy streams it to the process and the answer back. */
export const PROXY: Handover = {
  dispatch (st, req, res, entry, route, p, recorder, stickyId) {
    entry.process = p
    // Handed ahead (hand-ahead.ts): sent to a one-at-a-time process behind the request it executes.
    entry.behind = p.sessions > 1 && route.group.oneAtATime ? p.finished : -1
    // A process of the app's version before a restart (still serving while a rolling restart replaces it, or
    // finishing what it had): its answer goes to its client, but is not stored over the deploy's purge.
    if (recorder !== undefined && p.groupUuid !== route.group.uuid) recorder.fromOldVersion()
    // Only an app with --max-request-time needs the time; the sweep skips entries without it.
    if (route.maxRequestTimeMs > 0) entry.dispatchedAt = Date.now()
    // The first response (or one after the named process went away) tells the client which process to come back to.
    const cookie = route.stickyCookie
    const setCookie = cookie !== undefined && stickyId !== p.stickyId
      ? `${cookie}=${p.stickyId}; Path=${route.baseUri}; HttpOnly; SameSite=Lax`
      : undefined
    const body = entry.spooled !== undefined && req === entry.req
      ? entry.spooled
      : req instanceof IncomingMessage && hasRequestBody(req.headers) ? req : undefined
    const exchange = proxyRequest(req, res, body, p, st.upstreams.get(p), contextFor(st, route), recorder, setCookie, entry)
    const watchBody = body instanceof IncomingMessage && !body.complete && st.o.requestBodyTimeoutMs > 0
    if (watchBody) entry.body = { stream: body, bytes: body.socket.bytesRead, at: Date.now() }
    // Kept only when the sweep may need to abort it: holding every exchange until its response closes measured
    // ~4 µs of extra core CPU per request (garbage collection), 10% of the proxy's cost.
    if (route.maxRequestTimeMs > 0 || watchBody) entry.exchange = exchange
  }
}

/** The proxy's context for an app, made on its first request: where a finished request goes back to. */
function contextFor (st: PipelineState, route: AppRoute): ProxyContext {
  let ctx = st.contexts.get(route)
  if (ctx === undefined) {
    const group = route.group
    const upstreams = st.upstreams
    ctx = {
      highWatermark: st.o.highWatermark,
      buffers: st.stats.responseBuffers,
      onDone: (p, failure, oobRequested) => {
        group.release(p, oobRequested, failure)
        if (failure !== undefined && p.state === 'dead') upstreams.discard(p)
      },
      onFailedBeforeResponse: (req, res, err) => {
        failPage(st, req, res, isFerryError(err) ? err : new FerryError('E_APP_RESPONSE', `app process did not send a complete response: ${err.message}`, { cause: err }), route.friendlyErrorPages)
      },
      cache: route.turbocache,
      prefix: route.baseUri === '/' ? undefined : route.baseUri,
      trustsPeer: st.o.trustsPeer,
      retryElsewhere: (entry, p, recorder, req, res) => {
        // The process refused the connection, or died before it began this request handed ahead to it: it leaves
        // rotation now rather than when its exit is noticed, and the request goes to another process, a few times at most.
        group.release(p, false, NOT_REACHED)
        group.abandon(p, 'unreachable')
        upstreams.discard(p)
        if (res.destroyed) return
        entry.retries++
        if (entry.retries > MAX_UNREACHABLE_RETRIES) {
          failPage(st, req, res, new FerryError('E_APP_RESPONSE', `app process ${p.pid} of ${group.name} could not be reached`), route.friendlyErrorPages)
          return
        }
        toProcess(st, req, res, entry, route, recorder)
      }
    }
    st.contexts.set(route, ctx)
  }
  return ctx
}
