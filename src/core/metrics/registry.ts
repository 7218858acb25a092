// The Prometheus series /metrics serves, built with prom-client. Every value is read when scraped: the request path
// only feeds the RequestTally (plain increments), the pool its events; gauges, per-process figures and the turbocache
// counters come from the same snapshot and counters the status views use.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues, type MetricObjectWithValues, type MetricValue, type MetricValueWithName } from 'prom-client'
import type { CacheFiguresSource } from '../admin/cache-snapshot.js'
import { DURATION_BUCKETS_SECONDS, STATUS_CLASSES, type AppTally, type RequestTally } from '../server/request-tally.js'
import type { PoolCounters, AppEventCounts } from './pool-counters.js'
import type { ProcessSample, ProcessSampler } from './process-sampler.js'

export interface MetricsSources {
  readonly tally: RequestTally
  readonly counters: PoolCounters
  readonly sampler: ProcessSampler
  /** Absent when turbocaching is off for the instance: no turbocache series then. */
  readonly cacheStore: CacheFiguresSource | undefined
}

type Series<L extends string> = Array<[LabelValues<L>, number]>

/** A metric whose values are read at scrape time: read first, then reset and set at once, so that two scrapes
 * running together cannot add their readings up. */
function scraped<L extends string> (kind: 'counter' | 'gauge', registry: Registry, name: string, help: string,
  labelNames: readonly L[], read: () => Series<L> | Promise<Series<L>>): void {
  if (kind === 'counter') {
    new Counter<L>({ name, help, labelNames, registers: [registry], async collect () { const s = await read(); this.reset(); for (const [l, v] of s) this.inc(l, v) } })
  } else {
    new Gauge<L>({ name, help, labelNames, registers: [registry], async collect () { const s = await read(); this.reset(); for (const [l, v] of s) this.set(l, v) } })
  }
}

const DURATION = { name: 'ferry_request_duration_seconds', help: 'Time from reading a request to the end of its response, by app' }

/**
 * ferry_request_duration_seconds from the RequestTally's buckets. prom-client's Histogram can only be fed one
 * observation at a time (which hashes its labels per request); this one keeps its type, name and buckets and
 * renders the tally's counts instead of its own.
 */
class TalliedHistogram extends Histogram<'app'> {
  readonly #apps: () => Iterable<[string, AppTally]>

  constructor (registry: Registry, apps: () => Iterable<[string, AppTally]>) {
    super({ name: DURATION.name, help: DURATION.help, labelNames: ['app'], buckets: [...DURATION_BUCKETS_SECONDS], registers: [] })
    this.#apps = apps
    registry.registerMetric(this)
  }

  override async get (): Promise<MetricObjectWithValues<MetricValueWithName<'app'>>> {
    const values: Array<MetricValueWithName<'app'>> = []
    const series = (suffix: string, labels: Record<string, string | number>, value: number): void => {
      values.push({ metricName: `${DURATION.name}_${suffix}`, labels: labels as LabelValues<'app'>, value })
    }
    for (const [app, t] of this.#apps()) {
      let cumulative = 0
      DURATION_BUCKETS_SECONDS.forEach((le, i) => { cumulative += t.buckets[i]!; series('bucket', { app, le }, cumulative) })
      series('bucket', { app, le: '+Inf' }, t.count)
      series('sum', { app }, t.sumMs / 1000)
      series('count', { app }, t.count)
    }
    // The d.ts types `type` as a numeric enum that prom-client does not export; at run time it is this string.
    return { ...DURATION, type: 'histogram' as unknown as MetricObjectWithValues<MetricValue<'app'>>['type'], values, aggregator: 'sum', collect: () => {} }
  }

  /** What prom-client's registry reads for the text format (it prefers this to get()). */
  async getForPromString (): Promise<MetricObjectWithValues<MetricValueWithName<'app'>>> { return await this.get() }
}

export function createMetricsRegistry (s: MetricsSources): Registry {
  const registry = new Registry()
  // The core's own CPU, memory, event-loop lag and garbage collection: is the core itself the bottleneck?
  collectDefaultMetrics({ register: registry, prefix: 'ferry_core_' })

  /** Requests no app was found for, once there are any, with app="" (which Prometheus reads as no app label). */
  const tallies = (): Array<[string, AppTally]> => s.tally.unrouted.count === 0 ? [...s.tally.apps] : [...s.tally.apps, ['', s.tally.unrouted]]
  scraped('counter', registry, 'ferry_requests_total', 'Requests answered, by app and status class (code="none": the client left before a response head was sent)',
    ['app', 'code'], () => tallies().flatMap(([app, t]) => STATUS_CLASSES.map((code, i): [LabelValues<'app' | 'code'>, number] => [{ app, code }, t.byClass[i]!])))
  new TalliedHistogram(registry, tallies)

  const groups = async () => (await s.sampler.sample()).pool.groups
  scraped('gauge', registry, 'ferry_queue_length', 'Requests waiting in the app\'s queue for a process', ['app'],
    async () => (await groups()).map(g => [{ app: g.name }, g.queue_length]))
  scraped('counter', registry, 'ferry_queue_overflows_total', 'Requests refused (503) because the app\'s queue was full', ['app'],
    async () => (await groups()).map(g => [{ app: g.name }, g.queue_overflows]))
  scraped('gauge', registry, 'ferry_processes', 'App processes by state (spawning: being started; oob: doing out-of-band work)', ['app', 'state'],
    async () => (await groups()).flatMap(g => {
      const count = (state: string): number => g.processes.filter(p => p.state === state).length
      const byState = { ready: count('ready'), oob: count('oob'), stopping: count('stopping'), spawning: g.spawning }
      return Object.entries(byState).map(([state, v]): [LabelValues<'app' | 'state'>, number] => [{ app: g.name, state }, v])
    }))

  const events = (field: keyof AppEventCounts) => (): Series<'app'> => [...s.counters.apps].map(([app, c]) => [{ app }, c[field]])
  scraped('counter', registry, 'ferry_spawns_total', 'App processes started and ready', ['app'], events('spawns'))
  scraped('counter', registry, 'ferry_spawn_failures_total', 'App processes that failed to start (or died soon after)', ['app'], events('spawnFailures'))
  scraped('counter', registry, 'ferry_app_restarts_total', 'Restarts of the app (restart.txt, ferry restart-app, a reload that changed it)', ['app'], events('restarts'))
  scraped('counter', registry, 'ferry_process_unexpected_exits_total', 'App processes that exited while serving (crashed or killed from outside)', ['app'], events('unexpectedExits'))

  /** One sample per app process, where `value` knows one. */
  const processes = async (value: (pid: number, sample: ProcessSample) => number | undefined): Promise<Series<'app' | 'pid'>> => {
    const sample = await s.sampler.sample()
    const out: Series<'app' | 'pid'> = []
    for (const g of sample.pool.groups) {
      for (const p of g.processes) {
        const v = value(p.pid, sample)
        if (v !== undefined) out.push([{ app: g.name, pid: String(p.pid) }, v])
      }
    }
    return out
  }
  scraped('counter', registry, 'ferry_process_cpu_seconds_total', 'CPU time (user + system) of each app process', ['app', 'pid'],
    async () => await processes((pid, x) => x.cpuSeconds.get(pid)))
  scraped('gauge', registry, 'ferry_process_resident_memory_bytes', 'Resident memory (RSS) of each app process', ['app', 'pid'],
    async () => await processes((pid, x) => kb(x.metrics[String(pid)]?.rss_kb)))
  scraped('gauge', registry, 'ferry_process_private_dirty_memory_bytes', 'Private dirty memory of each app process (what ferry status calls its memory, before swap)', ['app', 'pid'],
    async () => await processes((pid, x) => kb(x.metrics[String(pid)]?.private_dirty_kb)))
  scraped('gauge', registry, 'ferry_process_swap_bytes', 'Swapped-out memory of each app process', ['app', 'pid'],
    async () => await processes((pid, x) => kb(x.metrics[String(pid)]?.swap_kb)))

  const store = s.cacheStore
  if (store !== undefined) {
    const c = store.counters
    scraped('counter', registry, 'ferry_turbocache_hits_total', 'Requests answered from the turbocache', [], () => [[{}, c.hits]])
    scraped('counter', registry, 'ferry_turbocache_misses_total', 'Turbocache lookups that found no fresh entry', [], () => [[{}, Math.max(0, c.fetches - c.hits)]])
    scraped('counter', registry, 'ferry_turbocache_stores_total', 'Responses stored in the turbocache', [], () => [[{}, c.store_successes]])
    scraped('counter', registry, 'ferry_turbocache_evictions_total', 'Turbocache entries evicted to make room', [], () => [[{}, c.evictions]])
    scraped('gauge', registry, 'ferry_turbocache_bytes', 'Memory held by turbocache entries', [], () => [[{}, store.bytes]])
    scraped('gauge', registry, 'ferry_turbocache_entries', 'Entries in the turbocache', [], () => [[{}, store.size]])
  }
  return registry
}

const kb = (v: number | null | undefined): number | undefined => v === null || v === undefined ? undefined : v * 1024
