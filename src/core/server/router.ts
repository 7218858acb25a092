// Which app a request is for: by Host (exact names, then `*.example.com` wildcards, then apps without names), then by
// the longest base URI that prefixes the path. Rebuilt on reload, read on every request: lookups are one Map get and
// a short loop, and a single app at `/` for any host (plain `ferry start`) is answered without looking at anything.
import type { Group } from '../pool/group.js'
import type { StaticFiles } from './static.js'
import type { Turbocache } from './turbocache.js'
import { cookieValue } from '../cache/key.js'

export interface AppRoute {
  readonly root: string
  /** Lower-case host names; empty = any host. */
  readonly serverNames: readonly string[]
  /** `/` or a prefix without a trailing slash. */
  readonly baseUri: string
  readonly group: Group
  readonly staticFiles: StaticFiles | undefined
  /** Absent when turbocaching is off for this app. */
  readonly turbocache: Turbocache | undefined
  /** The sticky-sessions cookie name; absent when sticky sessions are off. */
  readonly stickyCookie: string | undefined
  /** 0 = no limit. */
  readonly maxRequestTimeMs: number
  /** How long the app may take to answer an Upgrade request before the client gets 504. */
  readonly upgradeTimeoutMs: number
  readonly friendlyErrorPages: boolean
  /** Named by the front server's headers rather than configured. */
  readonly adHoc: boolean
}

/** The process a request's sticky-sessions cookie names, if the app has sticky sessions and the request the cookie. */
export function stickyIdOf (route: AppRoute, headers: { readonly cookie?: string | readonly string[] | undefined }): string | undefined {
  return route.stickyCookie === undefined ? undefined : cookieValue(headers.cookie, route.stickyCookie) ?? undefined
}

export class Router {
  #exact = new Map<string, AppRoute[]>()
  #wildcard: Array<{ suffix: string, routes: AppRoute[] }> = []
  #anyHost: AppRoute[] = []
  #only: AppRoute | undefined
  readonly #byRoot = new Map<string, AppRoute>()

  get size (): number { return this.#byRoot.size }
  byRoot (root: string): AppRoute | undefined { return this.#byRoot.get(root) }

  /** Replaces every route at once (a reload), so a request never sees half a configuration. */
  set (routes: readonly AppRoute[]): void {
    this.#byRoot.clear()
    for (const r of routes) this.#byRoot.set(r.root, r)
    this.#rebuild()
  }

  add (route: AppRoute): void {
    this.#byRoot.set(route.root, route)
    this.#rebuild()
  }

  remove (root: string): void {
    if (this.#byRoot.delete(root)) this.#rebuild()
  }

  /** The app for a request, or undefined when none answers this host and path. */
  resolve (host: string | undefined, url: string): AppRoute | undefined {
    if (this.#only !== undefined) return this.#only
    const name = hostName(host)
    const exact = this.#exact.get(name)
    if (exact !== undefined) {
      const hit = byPrefix(exact, url)
      if (hit !== undefined) return hit
    }
    for (const w of this.#wildcard) {
      if (name.endsWith(w.suffix)) {
        const hit = byPrefix(w.routes, url)
        if (hit !== undefined) return hit
      }
    }
    return byPrefix(this.#anyHost, url)
  }

  #rebuild (): void {
    const exact = new Map<string, AppRoute[]>()
    const wildcard = new Map<string, AppRoute[]>()
    const anyHost: AppRoute[] = []
    for (const r of this.#byRoot.values()) {
      if (r.adHoc) continue // reached by the front server's headers only
      if (r.serverNames.length === 0) { anyHost.push(r); continue }
      for (const n of r.serverNames) {
        const target = n.startsWith('*.') ? wildcard : exact
        const key = n.startsWith('*.') ? n.slice(1) : n
        target.set(key, [...(target.get(key) ?? []), r])
      }
    }
    const longestFirst = (a: AppRoute, b: AppRoute): number => b.baseUri.length - a.baseUri.length
    for (const list of exact.values()) list.sort(longestFirst)
    anyHost.sort(longestFirst)
    this.#exact = exact
    this.#wildcard = [...wildcard].map(([suffix, routes]) => ({ suffix, routes: routes.sort(longestFirst) })).sort((a, b) => b.suffix.length - a.suffix.length)
    this.#anyHost = anyHost
    const only = anyHost.length === 1 && exact.size === 0 && wildcard.size === 0 ? anyHost[0]! : undefined
    this.#only = only !== undefined && only.baseUri === '/' ? only : undefined
  }
}

/** The first route whose base URI is the path or a whole-segment prefix of it (routes are longest first). */
function byPrefix (routes: readonly AppRoute[], url: string): AppRoute | undefined {
  for (const r of routes) if (underBase(url, r.baseUri)) return r
  return undefined
}

export function underBase (url: string, base: string): boolean {
  if (base === '/') return true
  if (!url.startsWith(base)) return false
  const next = url.charCodeAt(base.length)
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */
}

/** The path an app's public/ directory sees: the request path without the base URI. */
export function pathInApp (url: string, base: string): string {
  if (base === '/') return url
  const rest = url.slice(base.length)
  return rest === '' || rest[0] === '?' ? '/' + rest : rest
}

/** Host header → lower-case name without port (IPv6 literals keep their brackets). */
export function hostName (host: string | undefined): string {
  if (host === undefined) return ''
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.indexOf(':')
  return (end > 0 ? host.slice(0, end) : host).toLowerCase()
}
