// The turbocache at the front server: answers fresh entries from memory before any process is checked out, and
// records cacheable misses as they stream to their client (never delaying them). The rules live in cache/policy.ts;
// this file only connects them to HTTP messages.
import { kSentHost, type RequestHead, type ResponseSink } from './exchange-types.js'
import { PreparedHit, renderHeaderLines } from './raw-response.js'
import { cookieVariant, urlKey, withCookieVariant, type Scheme } from '../cache/key.js'
import type { KeyParts } from '../cache/key.js'
import { ageHeader, ageSeconds, invalidations, plainResponseRefusal, requestMode, storeDecision } from '../cache/policy.js'
import { asksConditionally, hitAnswer, notModifiedHeaders } from '../cache/conditional.js'
import { MemoryStore } from '../cache/memory-store.js'
import { headerObject, storedHeaders } from '../cache/stored-headers.js'
import type { CachedResponse, RequestHeaders } from '../cache/types.js'
import { Fill, Fills } from './cache-fills.js'
import { varySelector } from '../cache/vary.js'
import { conditionalHeaders, notModifiedMatches, updatedBy304 } from '../cache/revalidation.js'
import { ERROR_STATUSES, servableOnError, servableWhileRevalidating } from '../cache/stale.js'
import { DetachedSink, RevalidationSink, detachedSocket, revalidationRequest } from './cache-revalidation.js'
import { connectionTokens } from './headers.js'
import { readClock } from './read-clock.js'

/** Background revalidations (stale-while-revalidate) in flight for one cache, at most; past it, stale is still served. */
export const MAX_BACKGROUND_REVALIDATIONS = 64

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

/** A Connection value that names no field (the common ones): nothing is dropped from the request. */
const PLAIN_CONNECTION = /^[ \t]*(?:close|keep-alive)?[ \t]*$/i

/**
 * The request headers a Vary selector is made of: the fields as the app is sent them, not as node read them. That
 * is req.headers itself, except for a request that repeats a field (node keeps only the first line of some, such as
 * User-Agent or Referer, while the app is sent every line and a WSGI or Rack app reads them joined) or lists fields in
 * Connection (the proxy drops those: the app never sees them). Such a request gets a corrected copy, so two requests
 * share a variant only if the app was sent the same values. No allocation for an ordinary request.
 */
export function varyHeaders (req: RequestHead): RequestHeaders {
  const h = req.headers
  const connection = h.connection
  const drops = connection !== undefined && !PLAIN_CONNECTION.test(connection)
  let names = 0
  for (const _ in h) names++
  if (!drops && names * 2 === req.rawHeaders.length) return h
  const out: RequestHeaders = { ...h }
  const raw = req.rawHeaders
  const lines = new Map<string, string[]>()
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase()
    // Host is Ferry's checked one (the only one sent); Cookie lines are joined with "; " by node and the lean front.
    if (lower === 'host' || lower === 'cookie') continue
    const seen = lines.get(lower)
    if (seen === undefined) lines.set(lower, [raw[i + 1]!])
    else seen.push(raw[i + 1]!)
  }
  // Joined with LF, which no value holds: lines "A" and "B" must not share a variant with one line "A, B" (a browser's
  // "(KHTML, like Gecko)"), since a Node app reads only the first line of such a field and builds its answer from "A".
  for (const [name, values] of lines) if (values.length > 1) out[name] = values.join('\n')
  if (drops) for (const name of connectionTokens(raw) ?? []) delete out[name]
  return out
}

interface RequestKeys {
  readonly scheme: Scheme
  readonly target: string | undefined
  readonly url: string
  readonly key: string
  /**
   * The request's Vary fields (see varyHeaders), made on the first lookup that needs them: most keys have no Vary.
   * Kept only with a frozen head's keys (its requests repeat it); keys shared by requests with other heads
   * (#byTarget) never keep them.
   */
  vary: RequestHeaders | undefined
  readonly keepsVary: boolean
  /** The Host field the key was made from, as received (a shared key is reused only for the same one). */
  readonly host: string | undefined
}

/**
 * How many request targets #byTarget remembers keys for. Past this it starts again empty: a client sending a new
 * target each time costs what every request cost without it (the key built), plus a map write, and memory stays bounded.
 */
export const MAX_KEYS_BY_TARGET = 256

/** What a lookup is given for a key whose entries have no Vary: the store reads no field of it. */
const NO_VARY: RequestHeaders = Object.freeze({})

export class Turbocache {
  readonly store: MemoryStore
  readonly #varyByCookie: string | undefined
  readonly #now: () => number
  /** Prefix of every key: the app, when apps share the store; empty otherwise. */
  readonly #ns: string
  /** Misses at the app that others for the same key wait on (request collapsing). */
  readonly #fills: Fills
  /** Background revalidations in flight. */
  #background = 0
  /** What #keys made of each frozen head, while the head lives. */
  readonly #kept = new WeakMap<object, RequestKeys>()
  /**
   * What #keys made for other heads (node's, in a bypassed process), by request target: their requests for one page
   * share one key string. Building and hashing a new key for every request, and comparing it character by character
   * in each map lookup, was most of what an uncacheable page's request cost the cache (perf, 2026-12-01). Only
   * without --vary-turbocache-by-cookie, whose key depends on each request's cookie.
   */
  readonly #byTarget = new Map<string, RequestKeys>()

  constructor (o: TurbocacheOptions) {
    // Date.now(), read once per batch of requests the lean front reads together (read-clock.ts).
    this.#now = o.now ?? readClock
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
   * The request's keys and Vary fields. A head the lean front parsed is frozen and given to every request that
   * repeats it, so what is made of it is kept with it: a repeated hit builds (and hashes) no key string.
   */
  #keys (req: RequestHead, scheme: Scheme): RequestKeys {
    const h = req.headers
    const frozen = Object.isFrozen(h)
    const target = req.url
    if (frozen) {
      const kept = this.#kept.get(h)
      if (kept !== undefined && kept.scheme === scheme && kept.target === target) return kept
    } else if (this.#varyByCookie === undefined && target !== undefined) {
      const shared = this.#byTarget.get(target)
      if (shared !== undefined && shared.scheme === scheme && shared.host === h.host) return shared
    }
    const url = this.#urlKey(req, scheme)
    const key = this.#varyByCookie === undefined ? url : withCookieVariant(url, cookieVariant(h.cookie, this.#varyByCookie))
    const keys: RequestKeys = { scheme, target, url, key, vary: undefined, keepsVary: frozen, host: h.host }
    if (frozen) this.#kept.set(h, keys)
    else if (this.#varyByCookie === undefined && target !== undefined) {
      if (this.#byTarget.size >= MAX_KEYS_BY_TARGET) this.#byTarget.clear()
      this.#byTarget.set(target, keys)
    }
    return keys
  }

  /**
   * Answers from memory (true), or returns what the caller sends the app: a recorder for a miss that may be stored,
   * a Revalidation for a stale entry (a conditional request for this client, or a background one after the stale
   * entry was served), the Fill of a miss for the same key already at the app (the caller waits on it with follow();
   * never when `collapse` is false), or undefined. `scheme`: what the client used (https only when a trusted proxy
   * says so), so an app's http and https answers never share an entry.
   */
  handle (req: RequestHead, res: ResponseSink, scheme: Scheme = 'http', collapse = true): true | Recorder | Fill | Revalidation | undefined {
    const method = req.method ?? 'GET'
    const mode = requestMode(method, req.headers)
    if (mode === 'bypass') return undefined
    const keys = this.#keys(req, scheme)
    const { url, key } = keys
    // A miss also keeps the URL's key, for invalidating every cookie variant of it later. Only a lookup's miss is
    // collapsed: a refresh (request no-cache) must reach the app, and a HEAD only waits for a GET (it stores nothing).
    if (mode !== 'lookup') return method === 'GET' ? new Recorder(this, req, key, url, undefined, undefined) : undefined
    // A request that waited for another's miss and comes back (collapse false) was counted the first time.
    if (collapse) this.store.counters.fetches++
    // The clock is read once per lookup: freshness, the pass mark and a new fill's lead are decided at one instant.
    const now = this.#now()
    // The Vary fields are made only for a key that has variants: varyHeaders walks every field of the request.
    const vary = !this.store.varies(key) ? NO_VARY : keys.keepsVary ? (keys.vary ??= varyHeaders(req)) : varyHeaders(req)
    const found = this.store.lookup(key, vary, now)
    if (found !== undefined) {
      if (found.state === 'fresh') {
        this.store.counters.hits++
        serve(req, res, found.entry, now)
        return true
      }
      // Stale (or no-cache): served as it is only with the response's permission; else asked about again.
      return this.#stale(req, res, key, url, found.entry, now, collapse)
    }
    const inFlight = this.#fills.inFlight(key)
    // The key's last answer was not storable, moments ago (the common uncacheable page): to the app, unrecorded (see
    // Fills.passes). Only for a lookup's miss (a refresh is always recorded). What a refused answer also does, ending
    // the entries under its key, was done by the refusal that set the mark; one stored since came from an answer that
    // allowed it, and keeps its own freshness. A fill in flight (a background revalidation's) is followed below.
    if (inFlight === undefined && this.#fills.passes(key, now)) return undefined
    if (collapse && inFlight !== undefined && inFlight.hasRoom) return inFlight
    if (method !== 'GET') return undefined
    // A request with its own Range or validators leads no one: its 206 or 304 could serve none of them, and the key
    // would be taken for uncacheable (its misses uncollapsed for a while).
    const leads = inFlight === undefined && !asksConditionally(req.headers)
    return new Recorder(this, req, key, url, undefined, leads ? this.#fills.lead(key, false, now) : undefined)
  }

  /**
   * A stale entry (or a no-cache one). Inside its stale-while-revalidate window: served at once, and one background
   * revalidation per key is started. Else the request waits for one already at the app, or revalidates it itself:
   * conditionally when the entry has a validator, with stale-if-error serving the entry if the app fails.
   */
  #stale (req: RequestHead, res: ResponseSink, key: string, url: string, entry: CachedResponse, now: number, collapse: boolean): true | Recorder | Fill | Revalidation | undefined {
    const counters = this.store.counters
    const inFlight = this.#fills.inFlight(key)
    // The validators are made only for a request that goes to the app: most stale hits are served or wait.
    if (servableWhileRevalidating(entry, now)) {
      counters.stale_served++
      serve(req, res, entry, now)
      if (inFlight !== undefined || this.#background >= MAX_BACKGROUND_REVALIDATIONS) return true
      const conditional = conditionalHeaders(entry)
      const sink = new DetachedSink()
      const request = revalidationRequest(req, conditional, detachedSocket(req.socket.remoteAddress))
      const recorder = new Recorder(this, request, key, url, entry, this.#fills.lead(key, true), conditional.length > 0)
      if (conditional.length > 0) counters.revalidations++
      this.#background++
      sink.once('close', () => { this.#background--; recorder.abandon() })
      return new Revalidation(request, sink, recorder, true)
    }
    if (collapse && inFlight !== undefined && inFlight.hasRoom) return inFlight
    // A HEAD has no body to renew an entry with: it goes to the app as it is.
    if (req.method !== 'GET') return undefined
    const conditional = conditionalHeaders(entry)
    const onError = servableOnError(entry, now, req.headers) ? entry : undefined
    // A revalidation asks for the whole response; a request sent as it is leads only without its own conditions.
    const fill = inFlight === undefined && (conditional.length > 0 || !asksConditionally(req.headers)) ? this.#fills.lead(key) : undefined
    if (conditional.length === 0 && onError === undefined) return new Recorder(this, req, key, url, entry, fill)
    const sink = new RevalidationSink(res, e => serve(req, res, e, this.#now()), onError, () => { counters.stale_served++ })
    const request = conditional.length === 0 ? req : revalidationRequest(req, conditional)
    if (conditional.length > 0) counters.revalidations++
    return new Revalidation(request, sink, new Recorder(this, request, key, url, entry, fill, conditional.length > 0, sink), false)
  }

  /**
   * Waits for `fill`'s answer: served from the store when it was stored (counted `collapsed`), else `again` is called,
   * for the caller to take the request through handle() once more, without collapsing (it may find a stale entry to
   * serve on error, or go to the app). Not called when the client left.
   */
  follow (fill: Fill, req: RequestHead, res: ResponseSink, again: () => void): void {
    fill.wait(res, stored => {
      const now = this.#now()
      const found = stored ? this.store.lookup(fill.key, varyHeaders(req), now) : undefined
      if (found?.state === 'fresh') {
        this.store.counters.collapsed++
        serve(req, res, found.entry, now)
        return
      }
      again()
    })
  }

  /**
   * After a successful unsafe request: drop what it may have changed. Returns the URL keys it dropped under (every
   * cookie variant of each), for caches elsewhere that hold the same app's answers (dropUrlKeys).
   */
  invalidate (req: RequestHead, status: number, appHeaders: readonly string[]): string[] {
    const method = req.method ?? 'GET'
    if (method === 'GET' || method === 'HEAD') return []
    const headers = headerObject(appHeaders)
    const dropped: string[] = []
    const host = req.headers.host ?? ''
    // An absolute-form write also changed what the Host it was sent with names, for an app that serves one site.
    const sent = req[kSentHost]
    const hosts = sent === undefined ? [host] : [host, sent]
    for (const scheme of SCHEMES) {
      for (const h of hosts) {
        for (const urlKey of invalidations(method, status, req.url ?? '/', h, headers, scheme)) {
          this.store.deleteUrl(this.#ns + urlKey)
          dropped.push(this.#ns + urlKey)
        }
      }
    }
    return dropped
  }

  /** After an unsafe request whose answer never came (see invalidate): taken as a success, for its own URL. */
  invalidateUnanswered (req: RequestHead): string[] { return this.invalidate(req, 200, NO_HEADERS) }

  /** Drops what another cache's invalidate() dropped (its return value); returns how many entries. */
  dropUrlKeys (urlKeys: readonly string[]): number {
    let n = 0
    for (const key of urlKeys) if (key.startsWith(this.#ns)) n += this.store.deleteUrl(key)
    return n
  }

  /** Drops this app's entries: after a restart (a deploy, usually) its old responses must not outlive it. */
  purge (): number { return this.store.deleteWithPrefix(this.#ns) }

  /** Drops every variant of one URL from this app's entries (an operator's purge); returns how many. */
  purgeUrl (url: KeyParts): number { return this.store.deleteUrl(this.#ns + urlKey(url)) }

  get now (): number { return this.#now() }
}

const NO_HEADERS: readonly string[] = []

/** An unsafe request changes a resource whichever scheme it was asked for by. */
const SCHEMES: readonly Scheme[] = ['http', 'https']

/** Each entry made ready for hits on its first one; null when its lines cannot be rendered (they go through writeHead). */
const prepared = new WeakMap<CachedResponse, PreparedHit | null>()

function preparedHit (entry: CachedResponse): PreparedHit | null {
  let hit = prepared.get(entry)
  if (hit === undefined) {
    try { hit = new PreparedHit(entry.status, entry.statusText, renderHeaderLines(entry.headers), entry.body) } catch { hit = null }
    prepared.set(entry, hit)
  }
  return hit
}

function serve (req: RequestHead, res: ResponseSink, entry: CachedResponse, now: number): void {
  // Most hits ask for the response as it is; a conditional or range request is answered from it too.
  if (asksConditionally(req.headers) && serveConditional(req, res, entry, now)) return
  const hit = res.endHit === undefined ? null : preparedHit(entry)
  if (hit !== null) {
    res.endHit!(hit, ageSeconds(entry, now))
    return
  }
  const headers = [...entry.headers, 'Age', ageHeader(entry, now), 'Content-Length', String(entry.body.length)]
  if (entry.statusText !== '') res.writeHead(entry.status, entry.statusText, headers)
  else res.writeHead(entry.status, headers)
  res.end(req.method === 'HEAD' ? undefined : entry.body)
}

type Plan = Omit<CachedResponse, 'body' | 'storedAt'>

/** A 304, 206 or 416 made from a fresh entry (conditional.ts decides); false when the full response is the answer. */
function serveConditional (req: RequestHead, res: ResponseSink, entry: CachedResponse, now: number): boolean {
  const answer = hitAnswer(entry, req.method ?? 'GET', req.headers, now)
  switch (answer.kind) {
    case 'full':
      return false
    case 'not-modified':
      res.writeHead(304, 'Not Modified', [...notModifiedHeaders(entry), 'Age', ageHeader(entry, now)])
      res.end()
      return true
    case 'unsatisfiable':
      res.writeHead(416, 'Range Not Satisfiable', ['Content-Range', `bytes */${entry.body.length}`, 'Content-Length', '0'])
      res.end()
      return true
    case 'partial': {
      const body = entry.body.subarray(answer.start, answer.end + 1)
      const range = `bytes ${answer.start}-${answer.end}/${entry.body.length}`
      const lines = res.endPrepared === undefined ? null : preparedHit(entry)?.lines ?? null
      if (lines !== null) {
        res.endPrepared!(206, 'Partial Content', lines, `Age: ${ageHeader(entry, now)}\r\nContent-Range: ${range}\r\n`, body)
        return true
      }
      res.writeHead(206, 'Partial Content', [...entry.headers, 'Age', ageHeader(entry, now), 'Content-Range', range, 'Content-Length', String(body.length)])
      res.end(body)
      return true
    }
  }
}

/** What the turbocache asks the front server to send the app about a stale entry (see Turbocache.handle). */
export class Revalidation {
  constructor (
    /** The request for the app (conditional when the entry has a validator). */
    readonly request: RequestHead,
    /** Where the answer goes: a RevalidationSink around the client's response, or a DetachedSink. */
    readonly sink: ResponseSink,
    readonly recorder: Recorder,
    /** No client waits (stale-while-revalidate served it already): the front server bounds it in time. */
    readonly background: boolean
  ) {}
}

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
  /** The request carries the stale entry's validators: a 304 renews it. */
  readonly #conditional: boolean
  /** The waiting client's sink, told of the entry a 304 renewed; absent in the background. */
  readonly #sink: RevalidationSink | undefined
  /** A 304 renewed the entry: whether the renewed one is stored (settled on completion). */
  #renewed: boolean | undefined
  /** The store's invalidation count when this request left for the app (see CacheStore.invalidatedSince). */
  readonly #generation: number

  constructor (cache: Turbocache, req: RequestHead, key: string, urlKey: string, stale: CachedResponse | undefined,
    fill: Fill | undefined, conditional = false, sink?: RevalidationSink) {
    this.#cache = cache
    this.#req = req
    this.#key = key
    this.#urlKey = urlKey
    this.stale = stale
    this.#fill = fill
    this.#conditional = conditional
    this.#sink = sink
    this.#generation = cache.store.generation
  }

  /** The key the entry is stored under (its Vary variant aside), for CacheStore.replace. */
  get key (): string { return this.#key }

  /** Answered by a process of the app's version before a restart: nothing it says is stored or renewed. */
  fromOldVersion (): void { this.#oldVersion = true }
  #oldVersion = false

  /** The response is over without being stored (failed, or its client left): those waiting go to the app. */
  abandon (): void { this.#fill?.settle(false) }

  onHead (status: number, statusText: string, appHeaders: readonly string[]): void {
    const store = this.#cache.store
    const stale = this.stale
    if (stale !== undefined) {
      if (status === 304 && this.#conditional) {
        if (notModifiedMatches(stale, appHeaders)) this.#notModified(stale, appHeaders)
        else this.#otherRepresentation()
        return
      }
      // A 304 to the client's own conditionals says its copy is current, nothing about the stored one. A failing app
      // (RFC 9111 §4.3.3) ends nothing either: the stale entry stays (stale-if-error may serve it, keepUntil ends it),
      // the error is not stored in its place, and those waiting try for themselves.
      if (status === 304 || ERROR_STATUSES.has(status)) { this.#fill?.settle(false); return }
    }
    // Most responses say nothing about caching: refuse them without building and parsing header objects.
    const plain = plainResponseRefusal(this.#req.headers, status, appHeaders)
    if (plain !== undefined) {
      store.counters.stores++
      store.recordRefusal(plain)
      this.#dropOlder(status)
      this.#fill?.settle(false, true)
      return
    }
    const headers = headerObject(appHeaders)
    const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length'])
    const decision = storeDecision({ method: 'GET', headers: this.#req.headers }, { status, headers }, this.#cache.now, store.maxEntryBytes, length)
    store.counters.stores++
    if (!decision.store) { store.recordRefusal(decision.reason); this.#dropOlder(status); this.#fill?.settle(false, true); return }
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
      varySelector: decision.vary === undefined ? '' : varySelector(decision.vary, varyHeaders(this.#req))
    }
  }

  /** RFC 9111 §4.3.4: the 304's headers update the stored entry, whose freshness starts again. */
  #notModified (stale: CachedResponse, headers304: readonly string[]): void {
    const store = this.#cache.store
    store.counters.revalidated++
    const updated = updatedBy304(stale, headers304, this.#cache.now, this.#req.headers)
    if (updated.storable && this.#oldVersion) this.#renewed = false
    else if (updated.storable) this.#renewed = store.replace(this.#key, stale, updated.entry)
    else {
      // Its new headers forbid keeping it: it answers the waiting client only.
      store.recordRefusal(updated.reason)
      this.#dropOlder(stale.status)
      this.#renewed = false
    }
    this.#sink?.renewed(updated.entry)
  }

  /**
   * A 304 about another representation than the stored one (another ETag): the stored one is not current any more,
   * so it is dropped, not renewed; the waiting client asks the app again, unconditionally, as a miss.
   */
  #otherRepresentation (): void {
    this.#cache.store.delete(this.#key)
    this.#fill?.settle(false)
    this.#sink?.askAgain()
  }

  /**
   * A refused response also ends an older entry's life: the app no longer says it may be shared. Not when the
   * request carried Authorization: then the refusal is about these credentials, not about what others were given;
   * nor for a 304 or 206, answers to the request's own conditions or range (they say nothing against the entry).
   */
  #dropOlder (status: number): void {
    if (this.#req.headers.authorization === undefined && status !== 304 && status !== 206) this.#cache.store.delete(this.#key)
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
    if (this.#renewed !== undefined) { this.#fill?.settle(this.#renewed); return }
    const plan = this.#plan
    if (plan === undefined) return
    this.#plan = undefined
    // Purged or invalidated (an unsafe method, a restart) while the app was answering: this answer may predate it.
    if (this.#oldVersion || this.#cache.store.invalidatedSince(this.#urlKey, this.#generation)) { this.#chunks = []; this.#fill?.settle(false); return }
    // A buffer of its own, so that a small entry does not keep a shared allocation pool alive.
    const body = Buffer.allocUnsafeSlow(this.#bytes)
    let at = 0
    for (const c of this.#chunks) at += c.copy(body, at)
    this.#chunks = []
    const stored = this.#cache.store.set(this.#key, this.#urlKey, { ...plan, body, storedAt: this.#cache.now })
    this.#fill?.settle(stored, !stored)
  }
}
