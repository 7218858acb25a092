// The turbocache's bounded in-memory store: an LRU over a Map (insertion order = recency: a hit is moved to the end
// with delete+set, eviction takes from the front), with a secondary index from URL key to its cookie-variant keys so
// a write to a URL drops every variant. Bounded by default in entries, total bytes and entry size.
//
// Counting: the caller counts `fetches`, `hits` and `stores` (one per storeDecision); this store counts
// `store_successes` (in set), `evictions`, and refusals: recordRefusal(reason) for the policy's refusals, and set()
// itself for entries over maxEntryBytes ('too-large') or already expired ('no-freshness').
import type { CacheCounters, CachedResponse, CacheStore, RefusalReason } from './types.js'

export interface MemoryStoreOptions {
  /** Total bytes of all entries (default 64 MiB). */
  maxBytes?: number
  /** Number of entries (default 10000). */
  maxEntries?: number
  /** Bytes of one entry: body + headers + key + overhead (default 1 MiB, or maxBytes when smaller). */
  maxEntryBytes?: number
  /** Clock in ms, the same one the caller passes to storeDecision (default Date.now). */
  now?: () => number
}

/** Per-entry bookkeeping estimate: Map slots, the record and entry objects, the header array. */
export const ENTRY_OVERHEAD_BYTES = 256

interface Slot {
  readonly entry: CachedResponse
  readonly urlKey: string
  readonly size: number
}

const REASONS: readonly RefusalReason[] = [
  'method', 'request-no-store', 'authorization', 'status', 'private', 'no-store', 'no-cache',
  'no-freshness', 'vary', 'set-cookie', 'too-large'
]

function positiveInteger (name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`MemoryStore: ${name} must be a positive integer, got ${typeof value === 'number' ? value : typeof value}`)
  }
  return value
}

export function entrySize (key: string, urlKey: string, entry: CachedResponse): number {
  let size = ENTRY_OVERHEAD_BYTES + entry.body.length + Buffer.byteLength(key) + Buffer.byteLength(urlKey) + Buffer.byteLength(entry.statusText)
  for (const h of entry.headers) size += Buffer.byteLength(h) + 4 // ": " / CRLF, as on the wire
  return size
}

export class MemoryStore implements CacheStore {
  readonly maxBytes: number
  readonly maxEntries: number
  readonly maxEntryBytes: number
  readonly now: () => number
  readonly counters: CacheCounters
  readonly #entries = new Map<string, Slot>()
  readonly #byUrl = new Map<string, Set<string>>()
  #bytes = 0

  constructor (o: MemoryStoreOptions = {}) {
    if (o === null || typeof o !== 'object') throw new TypeError('MemoryStore: options must be an object')
    this.maxBytes = positiveInteger('maxBytes', o.maxBytes, 64 * 1024 * 1024)
    this.maxEntries = positiveInteger('maxEntries', o.maxEntries, 10_000)
    this.maxEntryBytes = positiveInteger('maxEntryBytes', o.maxEntryBytes, Math.min(1024 * 1024, this.maxBytes))
    if (this.maxEntryBytes > this.maxBytes) {
      throw new TypeError(`MemoryStore: maxEntryBytes (${this.maxEntryBytes}) must not exceed maxBytes (${this.maxBytes})`)
    }
    if (o.now !== undefined && typeof o.now !== 'function') throw new TypeError('MemoryStore: now must be a function')
    this.now = o.now ?? Date.now
    const refusals = {} as Record<RefusalReason, number>
    for (const r of REASONS) refusals[r] = 0
    this.counters = { fetches: 0, hits: 0, stores: 0, store_successes: 0, evictions: 0, collapsed: 0, revalidations: 0, revalidated: 0, stale_served: 0, refusals }
  }

  /** Total bytes accounted to stored entries. */
  get bytes (): number { return this.#bytes }
  /** Number of stored entries. */
  get size (): number { return this.#entries.size }

  /** O(1): a fresh entry, moved to most-recently-used; an expired one is dropped (never served). */
  get (key: string): CachedResponse | undefined {
    const slot = this.#entries.get(key)
    if (slot === undefined) return undefined
    if (slot.entry.expiresAt <= this.now()) {
      this.#remove(key, slot)
      return undefined
    }
    this.#entries.delete(key)
    this.#entries.set(key, slot)
    return slot.entry
  }

  set (key: string, urlKey: string, entry: CachedResponse): boolean {
    const size = entrySize(key, urlKey, entry)
    const old = this.#entries.get(key)
    // A newer response that cannot be kept must not leave the older one in place.
    if (old !== undefined) this.#remove(key, old)
    if (size > this.maxEntryBytes) {
      this.counters.refusals['too-large']++
      return false
    }
    if (entry.expiresAt <= this.now()) {
      this.counters.refusals['no-freshness']++
      return false
    }
    while (this.#entries.size > 0 && (this.#entries.size >= this.maxEntries || this.#bytes + size > this.maxBytes)) {
      const lru = this.#entries.keys().next().value as string
      this.#remove(lru, this.#entries.get(lru)!)
      this.counters.evictions++
    }
    this.#entries.set(key, { entry, urlKey, size })
    this.#bytes += size
    let variants = this.#byUrl.get(urlKey)
    if (variants === undefined) this.#byUrl.set(urlKey, variants = new Set())
    variants.add(key)
    this.counters.store_successes++
    return true
  }

  delete (key: string): boolean {
    const slot = this.#entries.get(key)
    if (slot === undefined) return false
    this.#remove(key, slot)
    return true
  }

  /** Drops every entry whose key starts with `prefix` (one app's, after it restarted); returns how many. O(entries). */
  deleteWithPrefix (prefix: string): number {
    let n = 0
    for (const [key, slot] of this.#entries) {
      if (key.startsWith(prefix)) { this.#remove(key, slot); n++ }
    }
    return n
  }

  deleteUrl (urlKey: string): number {
    const variants = this.#byUrl.get(urlKey)
    if (variants === undefined) return 0
    let n = 0
    for (const key of [...variants]) if (this.delete(key)) n++
    return n
  }

  recordRefusal (reason: RefusalReason): void {
    this.counters.refusals[reason]++
  }

  clear (): void {
    this.#entries.clear()
    this.#byUrl.clear()
    this.#bytes = 0
  }

  #remove (key: string, slot: Slot): void {
    this.#entries.delete(key)
    this.#bytes -= slot.size
    const variants = this.#byUrl.get(slot.urlKey)
    if (variants !== undefined) {
      variants.delete(key)
      if (variants.size === 0) this.#byUrl.delete(slot.urlKey)
    }
  }
}
