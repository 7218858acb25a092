// The request pipeline, stage by stage: admit (count, list in flight, check) → route (router.ts, or the app a
// trusted front server names) → static file under the app's public/ → turbocache (cache.ts) → checkout (a process
// of the app's group, or its queue) → dispatch (proxy.ts) → done (the response's close, see admit.ts). Its two
// entries are the two fronts that read requests: node's HTTP server and the lean front (lean-connection.ts).
// Upgrades (upgrade.ts) take the same admit, route and checkout stages.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { LeanRequest } from '../lean-request.js'
import type { RawResponse } from '../raw-response.js'
import { pathInApp } from '../router.js'
import { begin, refused } from './admit.js'
import { answerNoApp, namedRoute, routeFor } from './route.js'
import { serveFromApp } from './cache.js'
import type { PipelineState } from './state.js'

/** A request node's server read. */
export function serveParsed (st: PipelineState, req: IncomingMessage, res: ServerResponse): void {
  const entry = begin(st, req, res)
  if (refused(req, res)) return
  const route = routeFor(st, req, res)
  if (route === undefined) return
  entry.route = route
  if (route.staticFiles?.tryServe(req, res, pathInApp(req.url ?? '/', route.baseUri)) === true) return
  serveFromApp(st, req, res, entry, route)
}

/** A request the lean front read; false hands the connection to node's server (static files use `send`). */
export function serveLean (st: PipelineState, req: LeanRequest, res: RawResponse): boolean {
  const named = req.headers['x-ferry-app-root']
  const found = named === undefined ? st.o.router.resolve(req.headers.host, req.url) : namedRoute(st, req, named)
  // node's path answers a named app that cannot be served (it asks again; refusals are remembered, so cheaply).
  if (found instanceof Error) return false
  const route = found
  if (route?.staticFiles?.matches(req.method, pathInApp(req.url, route.baseUri)) === true) return false
  const entry = begin(st, req, res)
  if (route === undefined) { answerNoApp(req, res); return true }
  entry.route = route
  serveFromApp(st, req, res, entry, route)
  return true
}
