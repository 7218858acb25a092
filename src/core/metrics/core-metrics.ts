// What --metrics-address adds to a core, wired in one place: the request tally the front server feeds, the pool
// event counters, and the listener. Without the option none of it exists, and the request path counts nothing.
import type { CacheFiguresSource } from '../admin/cache-snapshot.js'
import type { Logger } from '../log/logger.js'
import type { Pool } from '../pool/pool.js'
import { RequestTally } from '../server/request-tally.js'
import { PoolCounters } from './pool-counters.js'
import { ProcessSampler } from './process-sampler.js'
import { readiness } from './readiness.js'
import { createMetricsRegistry } from './registry.js'
import { startMetricsServer, type MetricsServer } from './server.js'

export interface CoreMetricsDeps {
  /** --metrics-address, parsed. */
  readonly where: { readonly host: string, readonly port: number }
  readonly pool: Pool
  readonly cacheStore: CacheFiguresSource | undefined
  /** True once the core is shutting down: /readyz then says so, and load balancers stop sending. */
  readonly stopping: () => boolean
}

export interface CoreMetrics {
  readonly tally: RequestTally
  listen (logger: Logger): Promise<MetricsServer>
}

/** Created before the pool starts its groups, so that the first spawns are counted. */
export function createCoreMetrics (d: CoreMetricsDeps): CoreMetrics {
  const tally = new RequestTally()
  // Processes of a --bypass app count their own requests and report them in batches.
  d.pool.events.on('processStats', (g, _p, stats) => tally.merge(g.name, stats))
  const counters = new PoolCounters(d.pool.events)
  const sampler = new ProcessSampler(d.pool)
  return {
    tally,
    listen: async logger => await startMetricsServer(d.where, {
      registry: createMetricsRegistry({ tally, counters, sampler, cacheStore: d.cacheStore }),
      readiness: () => readiness(d.pool.snapshot(), d.stopping()),
      logger
    })
  }
}
