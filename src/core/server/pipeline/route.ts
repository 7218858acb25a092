// The route stage: which app a request is for, by Host and base URI (router.ts), or the app root a trusted front
// server names in X-Ferry-App-Root (only on a Unix socket with --trust-front-headers).
import type { IncomingMessage } from 'node:http'
import { FerryError, isFerryError } from '../../errors.js'
import { answerPlain } from '../error-pages.js'
import type { RequestHead, ResponseSink } from '../exchange-types.js'
import type { AppRoute } from '../router.js'
import { failPage } from './fail.js'
import type { PipelineState } from './state.js'

/** X-Ferry-App-Root where it is not honoured: answered 400. */
export const UNTRUSTED = new FerryError('E_APP_ROOT_UNTRUSTED', 'X-Ferry-App-Root is honoured only on a Unix socket with --trust-front-headers')

/** The app a front server named with X-Ferry-App-Root, or why it cannot be served (nothing is answered here). */
export function namedRoute (st: PipelineState, req: RequestHead, named: string | string[]): AppRoute | FerryError {
  const o = st.o
  if (o.trustFrontHeaders !== true || o.adHocApp === undefined || typeof named !== 'string') return UNTRUSTED
  try {
    return o.adHocApp(named, single(req.headers['x-ferry-app-env']), single(req.headers['x-ferry-app-type']))
  } catch (err) {
    return isFerryError(err) ? err : new FerryError('E_INTERNAL', `the app named by X-Ferry-App-Root could not be set up: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

/** The app for this request; answers it (400/404/error page) and returns undefined when there is none. */
export function routeFor (st: PipelineState, req: IncomingMessage, res: ResponseSink): AppRoute | undefined {
  const named = req.headers['x-ferry-app-root']
  if (named === undefined) {
    const route = st.o.router.resolve(req.headers.host, req.url ?? '/')
    if (route === undefined) answerNoApp(req, res)
    return route
  }
  const route = namedRoute(st, req, named)
  if (route === UNTRUSTED) answerPlain(res, req.method, 400, `${UNTRUSTED.message}\n`)
  else if (route instanceof Error) failPage(st, req, res, route, false)
  else return route
  return undefined
}

/** 404 naming the host, so a front-server or DNS mistake is obvious. */
export function answerNoApp (req: RequestHead, res: ResponseSink): void {
  // eslint-disable-next-line no-control-regex
  const host = (req.headers.host ?? '(no Host header)').slice(0, 255).replace(/[\x00-\x1f\x7f]/g, '?')
  answerPlain(res, req.method, 404, `No app is configured for host ${host} at this path.\n`)
}

const single = (v: string | string[] | undefined): string | undefined => Array.isArray(v) ? v[0] : v
