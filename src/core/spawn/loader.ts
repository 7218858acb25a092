// The Loader seam: a small strategy that turns "an app directory + options" into a running process that accepts
// HTTP on an address Ferry chose. The pool only ever sees this interface; loaders never import the pool.
// Node, generic, Python (WSGI) and Ruby (Rack) loaders implement it.

import type { Identity } from './identity.js'
import type { Invalidated } from './invalidation-relay.js'
import type { InProcessCacheFigures } from '../bypass/in-process.js'
import type { PurgeTarget } from '../admin/purge-target.js'

export type AppType = 'node' | 'generic' | 'python' | 'ruby'

/** Where the core sends HTTP to reach one app process. */
export type UpstreamTarget =
  | { readonly kind: 'unix', readonly socketPath: string }
  | { readonly kind: 'tcp', readonly host: string, readonly port: number }

/** Everything a loader needs to start one process of an app. Built once per app by detectApp(). */
export interface AppSpec {
  /** Absolute, real path of the app root; also the group name. */
  readonly root: string
  readonly type: AppType
  /** Node apps: absolute path of the entry file; Python: the WSGI file; Ruby: the rackup file (config.ru). */
  readonly startupFile?: string
  /** Python and Ruby apps: the interpreter (a path, or a name looked up on PATH). */
  readonly interpreter?: string
  /** Python apps: the virtualenv (venv or .venv in the app root) whose interpreter runs the app. */
  readonly virtualEnv?: string
  /** Ruby apps: Bundler's Gemfile in the app root; the app then runs with `bundle exec` semantics. */
  readonly gemfile?: string
  /** Generic apps: a shell command that listens on $PORT. */
  readonly startCommand?: string
  /** The app environment (NODE_ENV for Node apps). */
  readonly environment: string
  /** Extra environment variables (--envvar). */
  readonly env: Readonly<Record<string, string>>
  readonly startTimeoutMs: number
  /** A private directory where loaders may create sockets and work files. Short path (< 80 bytes). */
  readonly socketDir: string
  /** Set when Ferry runs as root: the unprivileged user and group the app's processes run as. */
  readonly identity?: Identity
  /** Names of Ferry's environment variables an app running as another user still gets (--pass-env). */
  readonly passEnv?: readonly string[]
  /** The Linux scheduling policy asked for its processes (--app-scheduling); absent means the system default. */
  readonly scheduling?: 'batch' | 'normal'
}

export interface ExitInfo {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** True when stop() had to escalate to SIGKILL. */
  readonly forced: boolean
}

/** How out-of-band work ended: done (true), not reported in time or the channel closed (false), or called off. */
export type OobResult = boolean | 'skipped'

export interface SpawnedProcess {
  readonly pid: number
  readonly target: UpstreamTarget
  /** Requests the process can serve at once; 0 = unlimited (Node's default). */
  readonly concurrency: number
  /** The command line, for status views and error pages. */
  readonly command: string
  /** Settles once, when the process has exited (whatever the cause). Never rejects. */
  readonly exited: Promise<ExitInfo>
  /** SIGTERM, then SIGKILL after graceMs. Idempotent: later calls return the same promise. */
  stop (graceMs?: number): Promise<ExitInfo>
  /** SIGKILL now, for a process known to be stuck. */
  kill (): void
  /**
   * Asks the process to do out-of-band work (garbage collection, cache pruning) while it serves nothing; resolves
   * true once it reports done, false when it did not within timeoutMs, 'skipped' when the process called the work off
   * (a bypassed process whose requests did not finish: preload-bypass.cjs). Absent when the loader has no way to ask.
   */
  oobWork? (timeoutMs: number): Promise<OobResult>
  /**
   * The process accepts its clients itself (--bypass): the core never checks it out, so retiring it cannot wait
   * for its sessions to end; its stop() first has it stop accepting and finish its requests.
   */
  readonly acceptsItself?: boolean
  /** Drops what `target` names from the process's own turbocache (--bypass); resolves with how many entries. */
  purgeCache? (target: PurgeTarget): Promise<number>
  /** Drops from the process's own turbocache what a write answered by another process invalidated (--bypass). */
  dropCacheKeys? (what: Invalidated): void
  /**
   * Asks a process that accepts its clients itself to close `count` of its keep-alive connections, each after the
   * answer to its next request (Connection: close), so their clients reconnect, to another process if one is waiting
   * in accept (--bypass, connection-balance.ts).
   */
  shedConnections? (count: number): void
}

/** Request counters a process that accepts its clients itself reports in batches (see preload-bypass.cjs). */
export interface ProcessStats {
  /** Totals since the process started. */
  readonly processed: number
  readonly inFlight: number
  /** When it last finished a request (ms since the epoch); 0 = never. */
  readonly lastUsed: number
  readonly bytesIn: number
  readonly bytesOut: number
  /** Since the previous report: requests by status class (none, 1xx..5xx), by duration bucket, and their total ms. */
  readonly byClass: readonly number[]
  readonly buckets: readonly number[]
  readonly sumMs: number
  /** Its own turbocache's figures (--bypass with the turbocache on): totals since it started, and what it holds. */
  readonly cache?: InProcessCacheFigures | undefined
}

export interface SpawnHooks {
  /** One line of the app's stdout or stderr, without its newline. */
  onOutput? (pid: number, stream: 'stdout' | 'stderr', line: string): void
  /** The process's event-loop utilization (0..1) over the last interval, for loaders that can measure it. */
  onLoad? (pid: number, elu: number): void
  /** A batch of request counters from a process that accepts its clients itself. */
  onStats? (pid: number, stats: ProcessStats): void
  /** A process that accepts its clients itself was asked by its app for out-of-band work (X-Ferry-OOB-Work). */
  onOobWanted? (pid: number): void
  /** A process that accepts its clients itself holds `open` connections now (reported when it changes, coalesced). */
  onConnections? (pid: number, open: number): void
  /** A write answered by a process that accepts its clients itself invalidated these URL keys in its turbocache. */
  onCacheInvalidated? (pid: number, what: Invalidated): void
}

export type { Invalidated }

export type SpawnFailureReason = 'exited' | 'timeout' | 'never-listened' | 'failed'

/** What a spawn error carries, so the log line and the development error page render the same facts. */
export interface SpawnFailure {
  readonly reason: SpawnFailureReason
  readonly appRoot: string
  readonly command: string
  readonly cwd: string
  readonly pid?: number
  readonly exitCode?: number | null
  readonly signal?: NodeJS.Signals | null
  /** The last lines (at most 100) the process wrote to stdout and stderr, interleaved as they arrived. */
  readonly output: readonly string[]
}

export interface Loader {
  readonly type: AppType
  /** Requests one of its processes serves at once unless --concurrency says otherwise; absent: unlimited. */
  readonly concurrency?: number
  /**
   * Starts one process and resolves once it accepts HTTP on its target. Rejects with a FerryError whose code is
   * E_SPAWN_EXITED, E_SPAWN_TIMEOUT or E_SPAWN_FAILED and whose `failure` property is a SpawnFailure; the process is
   * dead by the time it rejects. The signal aborts a spawn in progress (the process is killed).
   */
  spawn (app: AppSpec, hooks?: SpawnHooks, signal?: AbortSignal): Promise<SpawnedProcess>
  /** The command line spawn() runs for this app, for status views; absent: the app's own start command. */
  startCommand? (app: AppSpec): string
}
