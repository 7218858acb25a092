// The turbocache at the front server: answers fresh entries from memory before any process is checked out, and
// records cacheable misses as they stream to their client (never delaying them). The rules live in cache/policy.ts;
// this file only connects them to HTTP messages.
import type { RequestHead, ResponseSink } from './exchange-types.js'
import { renderHeaderLines, type HeaderLines } from './raw-response.js'
import { cookieValue, urlKey, withCookieVariant, type Scheme } from '../cache/key.js'
import { ageHeader, invalidations, plainResponseRefusal, requestMode, storeDecision } from '../cache/policy.js'
import { MemoryStore } from '../cache/memory-store.js'
import { storedHeaders } from '../cache/stored-headers.js'
import type { CachedResponse } from '../cache/types.js'
import { Fill, Fills } from './cache-fills.js'
import { varySelector } from '../cache/vary.js'

export interface TurbocacheOptions {
  readonly maxBytes: number
  /** A store shared with other apps' caches (keys include the host, so apps never share entries); else its own. */
  readonly store?: MemoryStore | undefined
  /**
   * The app this cache serves, when several apps share the store: its entries are keyed under it, so two apps never
   * share one even for the same Host and path (a configured app and one named by the front server, say).
   */
  readonly app?: string | undefined
  readonly varyByCookie?: string | undefined
  readonly now?: () => number
}

type Headers = Record<string, string | string[] | undefined>

function toObject (flat: readonly string[]): Headers {
  const out: Headers = {}
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase()
    const prev = out[name]
    out[name] = prev === undefined ? flat[i + 1]! : Array.isArray(prev) ? [...prev, flat[i + 1]!] : [prev, flat[i + 1]!]
  }
  return out
}

export class Turbocache {
  readonly store: MemoryStore
  readonly #varyByCookie: string | undefined
  readonly #now: () => number
  /** Prefix of every key: the app, when apps share the store; empty otherwise. */
  readonly #ns: string
  /** Misses at the app that others for the same key wait on (request collapsing). */
  readonly #fills: Fills

  constructor (o: TurbocacheOptions) {
    this.#now = o.now ?? Date.now
    this.store = o.store ?? new MemoryStore({ maxBytes: o.maxBytes, now: this.#now })
    this.#varyByCookie = o.varyByCookie
    // JSON-quoted, so no root (even one with a newline in it) can run into the LF-separated key that follows.
    this.#ns = o.app === undefined ? '' : JSON.stringify(o.app) + '\n'
    this.#fills = new Fills(this.#now)
  }

  /** The request's URL key (every cookie variant of the URL shares it), under this cache's namespace. */
  #urlKey (req: RequestHead, scheme: Scheme): string {
    return this.#ns + urlKey({ scheme, host: req.headers.host ?? '', url: req.url ?? '/' })
  }

  /**
   * Answers from memory (true), or returns a recorder for a miss that may be stored, or the Fill of a miss for the
   * same key already at the app (the caller waits on it with follow()), or undefined. `scheme`: what the client used
   * (https only when a trusted proxy says so), so an app's http and https answers never share an entry.
   */
  handle (req: RequestHead, res: ResponseSink, scheme: Scheme = 'http'): true | Recorder | Fill | undefined {
    const method = req.method ?? 'GET'
    const mode = requestMode(method, req.headers)
    if (mode === 'bypass') return undefined
    const url = this.#urlKey(req, scheme)
    const key = this.#varyByCookie === undefined ? url : withCookieVariant(url, cookieValue(req.headers.cookie, this.#varyByCookie))
    let stale: CachedResponse | undefined
    if (mode === 'lookup') {
      this.store.counters.fetches++
      const now = this.#now()
      const found = this.store.lookup(key, req.headers, now)
      if (found !== undefined) {
        if (found.state === 'fresh') {
          this.store.counters.hits++
          serve(req, res, found.entry, now)
          return true
        }
        // Stale (or no-cache): never served as it is; the app answers, and its response replaces the entry.
        stale = found.entry
      }
    }
    // A miss also keeps the URL's key, for invalidating every cookie variant of it later. Only a lookup's miss is
    // collapsed: a refresh (request no-cache) must reach the app, and a HEAD only waits for a GET (it stores nothing).
    if (mode !== 'lookup') return method === 'GET' ? new Recorder(this, req, key, url, stale, undefined) : undefined
    const inFlight = this.#fills.inFlight(key)
    if (inFlight !== undefined && inFlight.hasRoom) return inFlight
    if (method !== 'GET') return undefined
    return new Recorder(this, req, key, url, stale, inFlight === undefined ? this.#fills.lead(key, url) : undefined)
  }

  /**
   * Waits for `fill`'s answer: served from the store when it was stored (counted `collapsed`), else `toApp` is called
   * (with a recorder for a GET, so the request's own answer may still be stored). Not called when the client left.
   */
  follow (fill: Fill, req: RequestHead, res: ResponseSink, toApp: (recorder: Recorder | undefined) => void): void {
    fill.wait(res, stored => {
      const now = this.#now()
      const found = stored ? this.store.lookup(fill.key, req.headers, now) : undefined
      if (found?.state === 'fresh') {
        this.store.counters.collapsed++
        serve(req, res, found.entry, now)
        return
      }
      toApp(req.method === 'GET' ? new Recorder(this, req, fill.key, fill.urlKey, found?.entry, undefined) : undefined)
    })
  }

  /** After a successful unsafe request: drop what it may have changed. */
  invalidate (req: RequestHead, status: number, appHeaders: readonly string[]): void {
    const method = req.method ?? 'GET'
    if (method === 'GET' || method === 'HEAD') return
    const headers = toObject(appHeaders)
    for (const scheme of SCHEMES) {
      for (const urlKey of invalidations(method, status, req.url ?? '/', req.headers.host ?? '', headers, scheme)) this.store.deleteUrl(this.#ns + urlKey)
    }
  }

  /** Drops this app's entries: after a restart (a deploy, usually) its old responses must not outlive it. */
  purge (): number { return this.store.deleteWithPrefix(this.#ns) }

  get now (): number { return this.#now() }
}

/** An unsafe request changes a resource whichever scheme it was asked for by. */
const SCHEMES: readonly Scheme[] = ['http', 'https']

/** Each entry's header lines, rendered on its first hit; null when they cannot be (they go through writeHead). */
const rendered = new WeakMap<CachedResponse, HeaderLines | null>()

function linesOf (entry: CachedResponse): HeaderLines | null {
  let lines = rendered.get(entry)
  if (lines === undefined) {
    try { lines = renderHeaderLines(entry.headers) } catch { lines = null }
    rendered.set(entry, lines)
  }
  return lines
}

function serve (req: RequestHead, res: ResponseSink, entry: CachedResponse, now: number): void {
  const lines = res.endPrepared === undefined ? null : linesOf(entry)
  if (lines !== null) {
    res.endPrepared!(entry.status, entry.statusText, lines, `Age: ${ageHeader(entry, now)}\r\n`, entry.body)
    return
  }
  const headers = [...entry.headers, 'Age', ageHeader(entry, now), 'Content-Length', String(entry.body.length)]
  if (entry.statusText !== '') res.writeHead(entry.status, entry.statusText, headers)
  else res.writeHead(entry.status, headers)
  res.end(req.method === 'HEAD' ? undefined : entry.body)
}

type Plan = Omit<CachedResponse, 'body' | 'storedAt'>

/** Collects one cacheable miss while it streams to its client, and stores it if the policy allows. */
export class Recorder {
  readonly #cache: Turbocache
  readonly #req: RequestHead
  readonly #key: string
  readonly #urlKey: string
  /** The stored entry this request found stale (a revalidation may renew it), if any. */
  readonly stale: CachedResponse | undefined
  #plan: Plan | undefined
  #chunks: Buffer[] = []
  #bytes = 0
  /** Set when other misses for this key may wait for this one (request collapsing): settled once it is decided. */
  readonly #fill: Fill | undefined

  constructor (cache: Turbocache, req: RequestHead, key: string, urlKey: string, stale: CachedResponse | undefined, fill: Fill | undefined) {
    this.#cache = cache
    this.#req = req
    this.#key = key
    this.#urlKey = urlKey
    this.stale = stale
    this.#fill = fill
  }

  /** The key the entry is stored under (its Vary variant aside), for CacheStore.replace. */
  get key (): string { return this.#key }

  /** The response is over without being stored (failed, or its client left): those waiting go to the app. */
  abandon (): void { this.#fill?.settle(false) }

  onHead (status: number, statusText: string, appHeaders: readonly string[]): void {
    const store = this.#cache.store
    // Most responses say nothing about caching: refuse them without building and parsing header objects.
    const plain = plainResponseRefusal(this.#req.headers, status, appHeaders)
    if (plain !== undefined) {
      store.counters.stores++
      store.recordRefusal(plain)
      store.delete(this.#key)
      this.#fill?.settle(false, true)
      return
    }
    const headers = toObject(appHeaders)
    const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length'])
    const decision = storeDecision({ method: 'GET', headers: this.#req.headers }, { status, headers }, this.#cache.now, store.maxEntryBytes, length)
    store.counters.stores++
    // A refused response also ends an older entry's life: the app no longer says it may be shared.
    if (!decision.store) { store.recordRefusal(decision.reason); store.delete(this.#key); this.#fill?.settle(false, true); return }
    const kept = storedHeaders(appHeaders)
    this.#plan = {
      status,
      statusText,
      headers: kept.headers,
      ferryCacheControl: kept.ferryCacheControl,
      ...decision.freshness,
      etag: decision.etag,
      lastModified: decision.lastModified,
      vary: decision.vary,
      varySelector: decision.vary === undefined ? '' : varySelector(decision.vary, this.#req.headers)
    }
  }

  onBody (chunk: Buffer): void {
    if (this.#plan === undefined) return
    this.#bytes += chunk.length
    if (this.#bytes > this.#cache.store.maxEntryBytes) {
      this.#plan = undefined
      this.#chunks = []
      this.#cache.store.recordRefusal('too-large')
      this.#fill?.settle(false, true)
      return
    }
    // A copy: the chunk is a view of a read buffer that the next read overwrites.
    this.#chunks.push(Buffer.from(chunk))
  }

  onComplete (): void {
    const plan = this.#plan
    if (plan === undefined) return
    this.#plan = undefined
    // A buffer of its own, so that a small entry does not keep a shared allocation pool alive.
    const body = Buffer.allocUnsafeSlow(this.#bytes)
    let at = 0
    for (const c of this.#chunks) at += c.copy(body, at)
    this.#chunks = []
    const stored = this.#cache.store.set(this.#key, this.#urlKey, { ...plan, body, storedAt: this.#cache.now })
    this.#fill?.settle(stored, !stored)
  }
}
