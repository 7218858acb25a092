// The turbocache's bounded in-memory store: an LRU over a Map (insertion order = recency: a hit is moved to the end
// with delete+set, eviction takes from the front), with a secondary index from URL key to its variant keys so a write
// to a URL drops every variant. Bounded by default in entries, total bytes and entry size; stale entries kept for
// revalidation count like any other.
//
// Vary: a key whose latest response had no Vary holds its entry directly (a hit is one Map lookup). A key whose
// latest response had Vary is a *varied* key: #varied maps it to the Vary names and its variant keys
// (key LF "~" selector, see vary.ts; LF never occurs in a key's parts, so no other key looks like one), at most
// MAX_VARIANTS of them, the oldest dropped first. A key is never both. Storing a response whose Vary names differ
// from the key's drops its other variants: they were chosen by other headers.
//
// Counting: the caller counts `fetches`, `hits` and `stores` (one per storeDecision); this store counts
// `store_successes` (in set), `evictions`, and refusals: recordRefusal(reason) for the policy's refusals, and set()
// itself for entries over maxEntryBytes ('too-large') or past their keepUntil ('no-freshness').
import type { CacheCounters, CachedResponse, CacheStore, Lookup, RefusalReason, RequestHeaders } from './types.js'
import { varySelector } from './vary.js'

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

/** Most Vary variants kept under one key (one URL, for one --vary-turbocache-by-cookie value). */
export const MAX_VARIANTS = 16

const VARIANT = '\n~'
/** Invalidated URL keys and purged prefixes remembered for fills in flight (see invalidatedSince), at most. */
const MAX_INVALIDATIONS_KEPT = 10_000
/**
 * ...and at most this many characters of them together: the URL keys a write invalidates come from its target and
 * its answer's Location, which a client can make 16 KB long each; 10,000 of those would be 300 MB.
 */
const MAX_INVALIDATION_CHARS = 1024 * 1024
const MAX_PREFIXES_KEPT = 64
const NO_HEADERS: RequestHeaders = {}

interface Slot {
  readonly entry: CachedResponse
  readonly urlKey: string
  /** The key it was stored under (for a variant: its varied key). */
  readonly baseKey: string
  readonly size: number
  /** The lookup answers, made once per entry so a hit allocates nothing. */
  readonly fresh: Lookup
  readonly stale: Lookup
}

interface Varied {
  readonly names: readonly string[]
  /** Variant keys, oldest first. */
  readonly keys: Set<string>
}

/** Every reason a response is not stored, as the counters list them. */
export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'method', 'request-no-store', 'authorization', 'status', 'private', 'no-store', 'no-cache',
  'no-freshness', 'vary', 'set-cookie', 'too-large'
]

/** Counters at zero, as a new store starts with them. */
export function emptyCounters (): CacheCounters {
  const refusals = {} as Record<RefusalReason, number>
  for (const r of REFUSAL_REASONS) refusals[r] = 0
  return { fetches: 0, hits: 0, stores: 0, store_successes: 0, evictions: 0, collapsed: 0, revalidations: 0, revalidated: 0, stale_served: 0, refusals }
}

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
  // Kept beside the headers (never sent, so not among them): an app's 60 KB Ferry-Cache-Control per entry must count.
  if (entry.ferryCacheControl !== undefined) size += Buffer.byteLength(entry.ferryCacheControl)
  if (entry.vary !== undefined) for (const name of entry.vary) size += name.length + 16
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
  readonly #varied = new Map<string, Varied>()
  #bytes = 0
  /** Counts invalidations (deleteUrl, deleteWithPrefix, clear): see invalidatedSince. */
  #generation = 0
  /** URL keys invalidated → the generation that did it; bounded (MAX_INVALIDATIONS_KEPT, then #floor rises). */
  readonly #urlsInvalidated = new Map<string, number>()
  /** Prefixes dropped (an app's entries) → the generation that did it; bounded likewise. */
  readonly #prefixesInvalidated = new Map<string, number>()
  /** The characters of the keys and prefixes in the two maps above. */
  #marksChars = 0
  /** Everything older than this generation counts as invalidated (after clear(), or when the maps overflowed). */
  #floor = 0
  /**
   * The key last put at the end of #entries (the most recent): a run of hits on one page (a hot page) then skips
   * the delete+set that moves it there, a fifth of a hit's lookup. Every #entries.set updates it; a key deleted
   * since is no longer found, so the stale name does no harm.
   */
  #newest: string | undefined

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
    this.counters = emptyCounters()
  }

  /** Total bytes accounted to stored entries. */
  get bytes (): number { return this.#bytes }
  /** Number of stored entries (every variant, fresh or stale). */
  get size (): number { return this.#entries.size }

  /** O(1) for a key without Vary; one more lookup for a varied key. See CacheStore.lookup. */
  lookup (key: string, reqHeaders: RequestHeaders, now: number): Lookup | undefined {
    let slotKey = key
    let slot = this.#entries.get(key)
    if (slot === undefined) {
      if (this.#varied.size === 0) return undefined
      const varied = this.#varied.get(key)
      if (varied === undefined) return undefined
      slotKey = key + VARIANT + varySelector(varied.names, reqHeaders)
      slot = this.#entries.get(slotKey)
      if (slot === undefined) return undefined
    }
    const entry = slot.entry
    if (entry.keepUntil <= now) {
      this.#remove(slotKey, slot)
      return undefined
    }
    if (slotKey !== this.#newest) {
      this.#entries.delete(slotKey)
      this.#entries.set(slotKey, slot)
      this.#newest = slotKey
    }
    return now < entry.expiresAt && !entry.noCache ? slot.fresh : slot.stale
  }

  /**
   * Whether `key` holds Vary variants, whose lookup reads the request's fields: a caller makes them only then. One
   * size check while no stored response has Vary.
   */
  varies (key: string): boolean {
    return this.#varied.size > 0 && this.#varied.has(key)
  }

  get (key: string): CachedResponse | undefined {
    const found = this.lookup(key, NO_HEADERS, this.now())
    return found?.state === 'fresh' ? found.entry : undefined
  }

  set (key: string, urlKey: string, entry: CachedResponse): boolean {
    const slotKey = entry.vary === undefined ? key : key + VARIANT + entry.varySelector
    const size = entrySize(slotKey, urlKey, entry)
    const old = this.#entries.get(slotKey)
    // A newer response that cannot be kept must not leave the older one in place.
    if (old !== undefined) this.#remove(slotKey, old)
    if (size > this.maxEntryBytes) {
      this.counters.refusals['too-large']++
      return false
    }
    if (entry.keepUntil <= this.now()) {
      this.counters.refusals['no-freshness']++
      return false
    }
    this.#settle(key, entry)
    while (this.#entries.size > 0 && (this.#entries.size >= this.maxEntries || this.#bytes + size > this.maxBytes)) {
      const lru = this.#entries.keys().next().value as string
      this.#remove(lru, this.#entries.get(lru)!)
      this.counters.evictions++
    }
    this.#entries.set(slotKey, { entry, urlKey, baseKey: key, size, fresh: { state: 'fresh', entry }, stale: { state: 'stale', entry } })
    this.#newest = slotKey
    this.#bytes += size
    let keys = this.#byUrl.get(urlKey)
    if (keys === undefined) this.#byUrl.set(urlKey, keys = new Set())
    keys.add(slotKey)
    if (entry.vary !== undefined) {
      // Made here, after evictions: a varied key's record exists exactly while it has variants.
      let varied = this.#varied.get(key)
      if (varied === undefined) this.#varied.set(key, varied = { names: entry.vary, keys: new Set() })
      varied.keys.add(slotKey)
    }
    this.counters.store_successes++
    return true
  }

  /** Makes room under `key` for `entry`: a plain key and a varied one exclude each other, and variants are bounded. */
  #settle (key: string, entry: CachedResponse): void {
    const varied = this.#varied.get(key)
    if (entry.vary === undefined) {
      if (varied !== undefined) this.#dropVariants(varied)
      return
    }
    const plain = this.#entries.get(key)
    if (plain !== undefined) this.#remove(key, plain)
    if (varied !== undefined && varied.names.join('\n') === entry.vary.join('\n')) {
      while (varied.keys.size >= MAX_VARIANTS) {
        const oldest = varied.keys.values().next().value as string
        this.#remove(oldest, this.#entries.get(oldest)!)
      }
      return
    }
    if (varied !== undefined) this.#dropVariants(varied)
  }

  #dropVariants (varied: Varied): number {
    let n = 0
    for (const k of [...varied.keys]) {
      const slot = this.#entries.get(k)
      if (slot !== undefined) { this.#remove(k, slot); n++ }
    }
    return n
  }

  replace (key: string, old: CachedResponse, next: CachedResponse): boolean {
    const slotKey = old.vary === undefined ? key : key + VARIANT + old.varySelector
    const slot = this.#entries.get(slotKey)
    if (slot === undefined || slot.entry !== old) return false
    return this.set(key, slot.urlKey, next)
  }

  delete (key: string): boolean {
    const slot = this.#entries.get(key)
    if (slot !== undefined) {
      this.#remove(key, slot)
      return true
    }
    const varied = this.#varied.get(key)
    return varied !== undefined && this.#dropVariants(varied) > 0
  }

  /** Drops every entry whose key starts with `prefix` (one app's, after it restarted); returns how many. O(entries). */
  deleteWithPrefix (prefix: string): number {
    this.#invalidated(this.#prefixesInvalidated, prefix, MAX_PREFIXES_KEPT)
    let n = 0
    for (const [key, slot] of this.#entries) {
      if (key.startsWith(prefix)) { this.#remove(key, slot); n++ }
    }
    return n
  }

  deleteUrl (urlKey: string): number {
    this.#invalidated(this.#urlsInvalidated, urlKey, MAX_INVALIDATIONS_KEPT)
    const keys = this.#byUrl.get(urlKey)
    if (keys === undefined) return 0
    let n = 0
    for (const key of [...keys]) {
      const slot = this.#entries.get(key)
      if (slot !== undefined) { this.#remove(key, slot); n++ }
    }
    return n
  }

  recordRefusal (reason: RefusalReason): void {
    this.counters.refusals[reason]++
  }

  get generation (): number { return this.#generation }

  invalidatedSince (urlKey: string, generation: number): boolean {
    if (generation === this.#generation) return false
    if (generation < this.#floor) return true
    if ((this.#urlsInvalidated.get(urlKey) ?? -1) > generation) return true
    for (const [prefix, at] of this.#prefixesInvalidated) if (at > generation && urlKey.startsWith(prefix)) return true
    return false
  }

  #invalidated (marks: Map<string, number>, what: string, most: number): void {
    const at = ++this.#generation
    if (marks.size >= most || this.#marksChars + what.length > MAX_INVALIDATION_CHARS) {
      // Forgetting is safe: every fill that started before now counts as invalidated.
      this.#urlsInvalidated.clear()
      this.#prefixesInvalidated.clear()
      this.#marksChars = 0
      this.#floor = at
    }
    if (marks.delete(what)) this.#marksChars -= what.length
    marks.set(what, at)
    this.#marksChars += what.length
  }

  /** How many invalidations are remembered for fills in flight, and their characters (bounded: see #invalidated). */
  get invalidationMarks (): { readonly count: number, readonly chars: number } {
    return { count: this.#urlsInvalidated.size + this.#prefixesInvalidated.size, chars: this.#marksChars }
  }

  clear (): void {
    this.#floor = ++this.#generation
    this.#urlsInvalidated.clear()
    this.#prefixesInvalidated.clear()
    this.#marksChars = 0
    this.#entries.clear()
    this.#byUrl.clear()
    this.#varied.clear()
    this.#bytes = 0
  }

  #remove (key: string, slot: Slot): void {
    this.#entries.delete(key)
    this.#bytes -= slot.size
    const keys = this.#byUrl.get(slot.urlKey)
    if (keys !== undefined) {
      keys.delete(key)
      if (keys.size === 0) this.#byUrl.delete(slot.urlKey)
    }
    if (slot.entry.vary === undefined) return
    const varied = this.#varied.get(slot.baseKey)
    if (varied === undefined) return
    varied.keys.delete(key)
    if (varied.keys.size === 0) this.#varied.delete(slot.baseKey)
  }
}
