// Static files and the turbocache inside a bypassed app process (--bypass): the preload (spawn/preload-bypass.cjs)
// imports this module when either is on and asks it about each request before the app's handler sees it. It reuses
// the core's own pieces (server/static.ts, server/turbocache.ts and cache/*), so the rules are the same: what may be
// stored and shared (Authorization, cookies, private, Vary), what an unsafe method invalidates, and nothing outside
// the real path of public/ is ever served. One cache per process; the core only receives its figures in batches.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { createStaticFiles, type StaticFiles } from '../server/static.js'
import { Revalidation, Turbocache, type Recorder } from '../server/turbocache.js'
import { Fill } from '../server/cache-fills.js'
import { purgeKeyParts, type PurgeTarget } from '../admin/purge-target.js'
import type { CacheCounters } from '../cache/types.js'
import { kSentHost, type RequestHead } from '../server/exchange-types.js'
import { absoluteForm } from '../server/request-checks.js'
import { invalidationReporter, type Channel } from '../spawn/invalidation-relay.js'
import { captureResponse } from './capture.js'

/** What the core tells a bypassed process to serve itself (sent with the listening handle). */
export interface InProcessOptions {
  /** The app root: static files are its public/ directory, as in the core. */
  readonly root: string
  readonly staticFiles: boolean
  /** Absent: no turbocache (--disable-turbocaching, for the app or the instance). */
  readonly turbocache?: { readonly maxBytes: number, readonly varyByCookie?: string | undefined } | undefined
}

/** One process's cache figures, as sent to the core: totals since the process started, and what it holds now. */
export interface InProcessCacheFigures {
  readonly entries: number
  readonly bytes: number
  readonly counters: CacheCounters
}

/** Hands a request to the app's handler. */
export type ToApp = (req: IncomingMessage, res: ServerResponse) => void

export interface InProcessServing {
  /**
   * Answers the request here (a static file, a hit), or calls `next(req, res)` (the app's handler), now or after a
   * wait. `next` is one function for every request, so the caller makes no closure per request.
   */
  serve (req: IncomingMessage, res: ServerResponse, next: ToApp): void
  /** An operator's purge; returns how many entries this process dropped. */
  purge (target: PurgeTarget): number
  /** What a write answered by another process of the app invalidated there (its URL keys); returns how many entries. */
  dropUrlKeys (urlKeys: readonly string[]): number
  /** Undefined when the turbocache is off. */
  figures (): InProcessCacheFigures | undefined
  /** The process is retired (a restart replaces it): its entries are dropped and no more are served or stored. */
  retire (): void
}

/**
 * `core`: the process's IPC channel. What a write answered here invalidates is reported on it; the other processes of
 * the app hold caches of their own, and the core passes the keys on to them (dropUrlKeys).
 */
export function createInProcessServing (o: InProcessOptions, onError: (err: Error) => void, core?: Channel): InProcessServing {
  const staticFiles: StaticFiles | undefined = o.staticFiles ? createStaticFiles(join(o.root, 'public'), { onError }) : undefined
  let cache = o.turbocache === undefined ? undefined : new Turbocache({ maxBytes: o.turbocache.maxBytes, varyByCookie: o.turbocache.varyByCookie })
  const store = cache?.store

  /** Through the cache: a hit, a wait for the same miss already at the app, or the app with its answer recorded. */
  const throughCache = (c: Turbocache, req: IncomingMessage, res: ServerResponse, next: ToApp, collapse: boolean): void => {
    // Bypass has no trusted proxy in front that Ferry knows of: the scheme is the connection's, always http here.
    const cached = c.handle(req, res, 'http', collapse)
    if (cached === true) return
    if (cached instanceof Fill) {
      c.follow(cached, req, res, () => throughCache(c, req, res, next, false))
      return
    }
    if (cached instanceof Revalidation) {
      // No conditional request to the app from inside its own process (it would need a request object node did not
      // parse): the stale entry is dropped, so this request (or, after stale-while-revalidate served it, the next
      // one) is a plain miss whose answer is stored again.
      cached.recorder.abandon()
      c.store.delete(cached.recorder.key)
      if (cached.background) { cached.sink.destroy(); return }
      throughCache(c, req, res, next, false)
      return
    }
    toApp(c, req, res, next, cached)
  }

  const report = core === undefined ? undefined : invalidationReporter(core)
  const told = (urlKeys: string[]): void => { if (urlKeys.length > 0) report?.(urlKeys) }

  const toApp = (c: Turbocache, req: IncomingMessage, res: ServerResponse, next: ToApp, recorder: Recorder | undefined): void => {
    const method = req.method ?? 'GET'
    const unsafe = method !== 'GET' && method !== 'HEAD'
    if (recorder !== undefined || unsafe) {
      captureResponse(res, {
        onHead: (status, statusText, headers) => {
          recorder?.onHead(status, statusText, headers)
          // A write's answer invalidates as soon as its status is known, as in the core's proxy.
          if (unsafe) told(c.invalidate(originFormHead(req) ?? req, status, headers))
        },
        onBody: chunk => recorder?.onBody(chunk),
        onEnd: (finished, headed) => {
          if (unsafe && !headed) told(c.invalidateUnanswered(originFormHead(req) ?? req))
          if (recorder === undefined) return
          if (finished && headed) recorder.onComplete()
          else recorder.abandon()
        }
      })
    }
    next(req, res)
  }

  return {
    serve (req, res, next) {
      if (staticFiles !== undefined && staticFiles.tryServe(req, res)) return
      if (cache === undefined) { next(req, res); return }
      // Nothing Ferry trusts sits in front to have checked these (in proxy mode the core drops a client's own), and
      // the key is the connection's scheme and Host: an answer built from another origin is neither read nor stored.
      // A write still goes through the cache, for what it invalidates.
      // An absolute-form target (`GET http://host/page`) names its own origin too: its answer is neither read nor
      // stored (the core's proxy rewrites such a target; here the app sees it as sent).
      if ((req.method === 'GET' || req.method === 'HEAD') && (!isOriginForm(req.url) || (mayNameAnotherOrigin(req.rawHeaders) && namesAnotherOrigin(req.headers)))) { next(req, res); return }
      throughCache(cache, req, res, next, true)
    },
    purge (target) {
      if (cache === undefined) return 0
      if ('url' in target) return cache.purgeUrl(purgeKeyParts(target.url))
      return cache.purge()
    },
    dropUrlKeys (urlKeys) {
      return cache === undefined ? 0 : cache.dropUrlKeys(urlKeys)
    },
    figures () {
      if (store === undefined) return undefined
      return { entries: store.size, bytes: store.bytes, counters: store.counters }
    },
    retire () {
      cache?.purge()
      cache = undefined
    }
  }
}

/** Whether a request target is in origin form (`/path?query`), as nearly every client sends it. */
function isOriginForm (url: string | undefined): boolean {
  return url !== undefined && url.charCodeAt(0) === 0x2f // '/'
}

/**
 * For a write sent with an absolute-form target (`PUT http://host/page`), the head it invalidates under, as the core's
 * proxy makes it (request-checks.ts): the target's authority (userinfo dropped) as Host and its path and query as the
 * target, the key a `GET /page` to that host is stored under (RFC 9112 §3.2.2), and the Host field it was sent with,
 * which the app here reads, as kSentHost when it differs. Undefined for an origin-form target.
 */
export function originFormHead (req: RequestHead): RequestHead | undefined {
  if (isOriginForm(req.url)) return undefined
  const abs = absoluteForm(req.url ?? '')
  if (abs === undefined) return undefined
  const host = abs.authority.slice(abs.authority.indexOf('@') + 1)
  const sent = req.headers.host
  const head: RequestHead = { method: req.method, url: abs.target, headers: { host }, rawHeaders: ['Host', host], socket: req.socket }
  return sent === undefined || sent.toLowerCase() === host.toLowerCase() ? head : { ...head, [kSentHost]: sent }
}

/** Ways a request says another scheme, host, port or path prefix than its own, which apps build links from. */
const SCHEME_CLAIMS = ['x-forwarded-ssl', 'x-forwarded-scheme', 'front-end-https', 'x-url-scheme'] as const

/**
 * Whether the request has a field whose name starts with X or F, the first letter of every claim namesAnotherOrigin
 * looks for: one character of each name, where namesAnotherOrigin probes the parsed headers for ten names. Most
 * requests have none (a browser's, a load tester's), and are decided here.
 */
export function mayNameAnotherOrigin (rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const first = rawHeaders[i]!.charCodeAt(0) | 0x20 // lower case, for a letter
    if (first === 0x78 || first === 0x66) return true // x, f
  }
  return false
}

/**
 * Whether the request claims another origin than the key's (http and its Host): Forwarded, X-Forwarded-Host other
 * than Host, X-Forwarded-Proto other than http, X-Forwarded-Port or -Prefix, or another scheme claim. X-Forwarded-For
 * alone is not one: it names the client, not what links point to. A few property reads: no allocation.
 */
export function namesAnotherOrigin (h: IncomingHttpHeaders): boolean {
  if (h.forwarded !== undefined || h['x-forwarded-port'] !== undefined || h['x-forwarded-prefix'] !== undefined) return true
  const host = h['x-forwarded-host']
  if (host !== undefined && host !== h.host) return true
  const proto = h['x-forwarded-proto']
  if (proto !== undefined && (typeof proto !== 'string' || proto.trim().toLowerCase() !== 'http')) return true
  for (const name of SCHEME_CLAIMS) if (h[name] !== undefined) return true
  return false
}
