// What every stage of the request pipeline shares: the front server's options, its counters, the connections to app
// processes and the requests in flight. One object, made once per front server and handed to each stage, so that
// the stages are plain functions (no closure is made per request) that can live in files of their own.
import type { Logger } from '../../log/logger.js'
import type { AppRoute, Router } from '../router.js'
import type { TrustsPeer } from '../request-head.js'
import type { RequestTally } from '../request-tally.js'
import type { RateMeter } from '../rate-meter.js'
import type { ResponseBuffers } from '../response-buffers.js'
import type { Upstreams } from '../upstreams.js'
import type { Inflight } from '../inflight.js'
import type { ProxyContext } from '../proxy.js'

export interface FrontOptions {
  readonly router: Router
  readonly highWatermark: number
  /** Most bytes held for slow clients, all responses together (0: no limit). */
  readonly responseBufferBudget: number
  /** A request body from which no byte came for this long gets 408 and its app request is aborted (0: never). */
  readonly requestBodyTimeoutMs: number
  /** The instance's private directory: request bodies read ahead past request-spool.ts's IN_MEMORY go there. */
  readonly requestSpoolDir: string
  readonly logger: Logger
  /** X-Ferry-App-Root and friends are honoured (only ever true on a Unix socket with --trust-front-headers). */
  readonly trustFrontHeaders?: boolean
  /** --trust-proxy: whether a peer (its address; undefined on a Unix socket) may set X-Forwarded-*. */
  readonly trustsPeer?: TrustsPeer | undefined
  /** The route for an app root named by the front server; throws a FerryError when it cannot be served. */
  readonly adHocApp?: (root: string, environment: string | undefined, appType: string | undefined) => AppRoute
  /** Where finished requests are counted for --metrics-address; absent (nothing counted) without it. */
  readonly requestTally?: RequestTally | undefined
}

export interface FrontStats {
  requestsBegun: number
  activeRequests: number
  activeConnections: number
  peakActiveConnections: number
  connectionsAccepted: number
  readonly acceptRate: RateMeter
  readonly requestRate: RateMeter
  /** Bytes held for clients slower than their apps, and the budget for them. */
  readonly responseBuffers: ResponseBuffers
}

export interface PipelineState {
  readonly o: FrontOptions
  readonly stats: FrontStats
  readonly upstreams: Upstreams
  readonly inflight: Inflight
  /** One proxy context per app (see checkout.ts): it knows which group a finished request goes back to. */
  readonly contexts: WeakMap<AppRoute, ProxyContext>
  /** A graceful stop has begun: connections close after their current response. */
  draining: boolean
}
