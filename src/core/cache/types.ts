// The turbocache's vocabulary, shared by the policy (what may be stored and served), the store (bounded memory)
// and the front server (the only place that touches HTTP objects).

/** Why a response was not stored: each reason has its own counter. */
export type RefusalReason =
  | 'method' | 'request-no-store' | 'authorization' | 'status' | 'private' | 'no-store' | 'no-cache'
  | 'no-freshness' | 'vary' | 'set-cookie' | 'too-large'

export interface CachedResponse {
  readonly status: number
  readonly statusText: string
  /** Flat [name, value, …] list as sent to clients, without hop-by-hop headers, Set-Cookie or Age. */
  readonly headers: readonly string[]
  readonly body: Buffer
  /** When it was stored (ms), for the Age header. */
  readonly storedAt: number
  /** Age the response already had when stored (from its own Age header), in seconds. */
  readonly initialAgeSeconds: number
  /** After this (ms) the entry is dropped, never served. */
  readonly expiresAt: number
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
  /** A fresh entry (refreshing its recency), or undefined; an expired entry is dropped. Does not count fetches/hits. */
  get (key: string): CachedResponse | undefined
  /** Stores (replacing any entry under `key`) unless too large or already expired; true when stored. */
  set (key: string, urlKey: string, entry: CachedResponse): boolean
  delete (key: string): boolean
  /** Drops every entry stored under `urlKey`, all cookie variants; returns how many. */
  deleteUrl (urlKey: string): number
  /** Drops every entry whose key starts with `prefix`; returns how many. */
  deleteWithPrefix (prefix: string): number
  recordRefusal (reason: RefusalReason): void
}
