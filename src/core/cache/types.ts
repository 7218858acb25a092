// The turbocache's vocabulary, shared by the policy (what may be stored and served), the store (bounded memory)
// and the front server (the only place that touches HTTP objects).

/** Why a response was not stored: each reason has its own counter. */
export type RefusalReason =
  | 'method' | 'request-no-store' | 'authorization' | 'status' | 'private' | 'no-store' | 'no-cache'
  | 'no-freshness' | 'vary' | 'set-cookie' | 'too-large'

/** Request headers as node gives them: lowercase names, repeats joined. */
export type RequestHeaders = Record<string, string | string[] | undefined>

/** How long a response may be used, and how: decided by the policy when it is stored (or revalidated). */
export interface Freshness {
  /** Age the response already had when stored (the larger of its Age header and its apparent age), in seconds. */
  readonly initialAgeSeconds: number
  /** Fresh until this (ms): served by the hit path before, stale after. */
  readonly expiresAt: number
  /**
   * The store drops the entry after this (ms). Past expiresAt an entry is kept only while it can still be of use:
   * it has a validator (revalidation), or a stale-while-revalidate / stale-if-error window is open.
   */
  readonly keepUntil: number
  /** RFC 5861 windows after expiresAt (ms); 0 when absent, and 0 for mustRevalidate and noCache entries. */
  readonly staleWhileRevalidateMs: number
  readonly staleIfErrorMs: number
  /** must-revalidate, proxy-revalidate or s-maxage: never served stale, not even when the app fails. */
  readonly mustRevalidate: boolean
  /** no-cache (or a response Pragma: no-cache): stored, but revalidated on every use; never served as it is. */
  readonly noCache: boolean
}

export interface CachedResponse extends Freshness {
  readonly status: number
  readonly statusText: string
  /**
   * Flat [name, value, …] list as sent to clients: without hop-by-hop headers and those the response's Connection
   * names, Set-Cookie, Age, Content-Length, Transfer-Encoding, Ferry-Cache-Control and Ferry's own.
   */
  readonly headers: readonly string[]
  readonly body: Buffer
  /** When it was stored or last revalidated (ms), for the Age header. */
  readonly storedAt: number
  /** Validators, as the app sent them (undefined when absent). */
  readonly etag: string | undefined
  readonly lastModified: string | undefined
  /** The lowercase header names the response's Vary lists (undefined: no Vary). */
  readonly vary: readonly string[] | undefined
  /** Those request headers' normalised values in the request that fetched it (see vary.ts); '' without Vary. */
  readonly varySelector: string
  /** The response's Ferry-Cache-Control, kept for revalidation (never sent to clients); undefined when absent. */
  readonly ferryCacheControl: string | undefined
}

/** A lookup's answer: a fresh entry may be served as it is; a stale one only after revalidation or as allowed. */
export interface Lookup {
  readonly state: 'fresh' | 'stale'
  readonly entry: CachedResponse
}

export interface CacheCounters {
  fetches: number
  hits: number
  stores: number
  store_successes: number
  evictions: number
  collapsed: number
  revalidations: number
  revalidated: number
  stale_served: number
  refusals: Record<RefusalReason, number>
}

/** What the front server needs from a cache store; MemoryStore is the one implementation (contract-tested). */
export interface CacheStore {
  readonly counters: CacheCounters
  readonly maxEntryBytes: number
  /**
   * The entry stored under `key` for this request (its Vary variant chosen by `reqHeaders`), fresh or stale, moved
   * to most recently used; undefined when there is none. An entry past its keepUntil is dropped. Does not count.
   */
  lookup (key: string, reqHeaders: RequestHeaders, now: number): Lookup | undefined
  /** A fresh entry stored under `key` without Vary, or undefined (lookup with no request headers, fresh only). */
  get (key: string): CachedResponse | undefined
  /**
   * Stores (replacing the entry under `key` with the same Vary variant) unless too large or past its keepUntil;
   * true when stored.
   */
  set (key: string, urlKey: string, entry: CachedResponse): boolean
  /**
   * Replaces `old` by `next` (after a revalidation) only if `old` is still the entry stored for its variant, so an
   * entry dropped meanwhile (invalidated, purged, replaced by a newer response) is not brought back; true when stored.
   */
  replace (key: string, old: CachedResponse, next: CachedResponse): boolean
  /** Counts invalidations: a fill notes it when it starts, for invalidatedSince. */
  readonly generation: number
  /**
   * Whether `urlKey` was invalidated or purged (deleteUrl, deleteWithPrefix, clear) after `generation`: a response
   * the app gave before that must not be stored (it may be what the invalidation was about). May say true for an
   * URL that was not, when it no longer knows (bounded memory), never false for one that was.
   */
  invalidatedSince (urlKey: string, generation: number): boolean
  /** Drops what is stored under `key`: the entry, or every Vary variant of it. */
  delete (key: string): boolean
  /** Drops every entry stored under `urlKey`, all cookie and Vary variants; returns how many. */
  deleteUrl (urlKey: string): number
  /** Drops every entry whose key starts with `prefix`; returns how many. */
  deleteWithPrefix (prefix: string): number
  recordRefusal (reason: RefusalReason): void
}
