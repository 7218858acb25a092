// The turbocache's figures, copied once from the store into a plain object: `turbocaching` in /server.json
// (`ferry status --show server`) and in the status snapshot (/pool.json, `ferry status --json`). Field names are the reference's where it has them (fetches, hits,
// stores, store_successes and their ratios), Ferry's own otherwise; fields are only ever added.
import type { MemoryStore } from '../cache/memory-store.js'
import type { RefusalReason } from '../cache/types.js'

export interface CacheSnapshot {
  readonly enabled: true
  readonly entries: number
  readonly bytes: number
  readonly max_bytes: number
  /** Lookups: GET and HEAD requests that could have been answered from the cache. */
  readonly fetches: number
  readonly hits: number
  /** fetches − hits: lookups the app answered. */
  readonly misses: number
  readonly hit_ratio: number
  /** Responses considered for storing, and those stored. */
  readonly stores: number
  readonly store_successes: number
  readonly store_success_ratio: number
  readonly evictions: number
  readonly collapsed: number
  readonly revalidations: number
  readonly revalidated: number
  readonly stale_served: number
  readonly refusals: Readonly<Record<RefusalReason, number>>
}

const ratio = (part: number, whole: number): number => whole === 0 ? 0 : Math.round(part / whole * 1000) / 1000

export type TurbocachingFigures = CacheSnapshot | { readonly enabled: false }

/** What the figures are read from: the core's store, or the sum of a bypassed app's processes' caches. */
export type CacheFiguresSource = Pick<MemoryStore, 'counters' | 'size' | 'bytes' | 'maxBytes'>

export function cacheSnapshot (store: CacheFiguresSource | undefined): TurbocachingFigures {
  if (store === undefined) return { enabled: false }
  const c = store.counters
  return {
    enabled: true,
    entries: store.size,
    bytes: store.bytes,
    max_bytes: store.maxBytes,
    fetches: c.fetches,
    hits: c.hits,
    misses: c.fetches - c.hits,
    hit_ratio: ratio(c.hits, c.fetches),
    stores: c.stores,
    store_successes: c.store_successes,
    store_success_ratio: ratio(c.store_successes, c.stores),
    evictions: c.evictions,
    collapsed: c.collapsed,
    revalidations: c.revalidations,
    revalidated: c.revalidated,
    stale_served: c.stale_served,
    refusals: { ...c.refusals }
  }
}
