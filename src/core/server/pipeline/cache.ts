// The turbocache stage: a hit is answered from memory and never touches the pool (no process is checked out and no
// queue is entered); a miss goes to the app with a recorder that may store its answer; a miss already at the app is
// waited for; a stale entry is revalidated for its client, or in the background (stale-while-revalidate).
import type { Scheme } from '../../cache/key.js'
import type { RequestHead, ResponseSink } from '../exchange-types.js'
import type { InflightEntry } from '../inflight.js'
import { forwardedProto } from '../request-head.js'
import { stickyIdOf, type AppRoute } from '../router.js'
import { Revalidation, type Turbocache } from '../turbocache.js'
import { Fill } from '../cache-fills.js'
import { RevalidationSink } from '../cache-revalidation.js'
import { applyPendingRestart, PROXY, toProcess } from './checkout.js'
import type { PipelineState } from './state.js'

/** A background revalidation not answered within this long is given up (the stale entry stays as it was). */
const BACKGROUND_TIMEOUT_MS = 30_000

/** Turbocache, then a process of the app's group (checked out, or waited for in its queue). */
export function serveFromApp (st: PipelineState, req: RequestHead, res: ResponseSink, entry: InflightEntry, route: AppRoute): void {
  // Checked before the turbocache, so a restart (and the purge of the app's entries it brings) takes effect while
  // hits answer.
  const group = route.group
  applyPendingRestart(group)
  const cache = route.turbocache
  // Still pending after that (tmp/always_restart.txt): the cache is skipped, so no hit outlives a deploy.
  if (cache !== undefined && !group.restartPending) {
    const o = st.o
    const trusted = o.trustsPeer !== undefined && o.trustsPeer(req.socket.remoteAddress)
    // A trusted proxy may name another host than Host (X-Forwarded-Host, Forwarded) for the app to build URLs
    // from: the cache keys on Host, so such a request neither reads nor fills it.
    if (trusted && namesAnotherHost(req)) { toProcess(st, req, res, entry, route, undefined); return }
    throughCache(st, req, res, entry, route, cache, trusted ? forwardedProto(req, true) : 'http', true)
  } else toProcess(st, req, res, entry, route, undefined)
}

/** The turbocache's answer, or what it asks the app (a miss to record, a revalidation), or a wait for another's. */
function throughCache (st: PipelineState, req: RequestHead, res: ResponseSink, entry: InflightEntry, route: AppRoute, cache: Turbocache, scheme: Scheme, collapse: boolean): void {
  const cached = cache.handle(req, res, scheme, collapse)
  if (cached === true) return
  if (cached instanceof Fill) {
    // The same miss is already at the app: wait for its answer (served from the store), or try again alone.
    cache.follow(cached, req, res, () => throughCache(st, req, res, entry, route, cache, scheme, false))
    return
  }
  if (cached instanceof Revalidation) {
    if (cached.background) { inBackground(st, cached, route); return }
    if (cached.sink instanceof RevalidationSink) cached.sink.again = () => throughCache(st, req, res, entry, route, cache, scheme, false)
    entry.cacheFill = cached.recorder
    toProcess(st, cached.request, cached.sink, entry, route, cached.recorder)
    return
  }
  // Told when the response closes, however it ends: those waiting for this miss must not wait forever.
  entry.cacheFill = cached
  toProcess(st, req, res, entry, route, cached)
}

/**
 * A revalidation no client waits for (stale-while-revalidate): listed with the requests in flight, and given up
 * after BACKGROUND_TIMEOUT_MS (its sink closes, which ends its exchange).
 */
function inBackground (st: PipelineState, r: Revalidation, route: AppRoute): void {
  // Only on a process free now: queued, it would wait ahead of clients and count against their queue (503s),
  // for an entry that is being served meanwhile anyway. Without one it is given up; a later request tries again.
  const stickyId = stickyIdOf(route, r.request.headers)
  const p = route.group.checkout(stickyId)
  if (p === undefined) { r.sink.destroy(); return }
  const entry = st.inflight.add(r.request, r.sink, Date.now())
  entry.route = route
  const timer = setTimeout(() => r.sink.destroy(), BACKGROUND_TIMEOUT_MS).unref()
  r.sink.once('close', () => { clearTimeout(timer); st.inflight.delete(entry) })
  PROXY.dispatch(st, r.request, r.sink, entry, route, p, r.recorder, stickyId)
}

function namesAnotherHost (req: RequestHead): boolean {
  const forwardedHost = req.headers['x-forwarded-host']
  return req.headers.forwarded !== undefined || (forwardedHost !== undefined && forwardedHost !== req.headers.host)
}
