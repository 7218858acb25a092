// The one table of Ferry's options. Flags (src/cli/flags.ts), the validator (resolve.ts), /config.json and the
// man pages (scripts/generate-man.ts) are all derived from it: add an option here and nowhere else. The options of
// the commands that talk to a running instance (which one, which view, how long to wait) are in COMMAND_OPTIONS below.
import { trustProxyItemProblem } from './trust-proxy.js'

export type OptionSection = 'server' | 'app' | 'pool' | 'lifecycle' | 'cache' | 'log'

interface OptionBase {
  readonly name: string
  readonly section: OptionSection
  readonly help: string
  readonly char?: string
  readonly env?: string
  /** Shown in --help and man pages when the default needs words rather than a value. */
  readonly defaultText?: string
  readonly commands?: readonly string[]
  /** May be set per app: in an app entry of a --config file, or in the app's Ferryfile.json. */
  readonly perApp?: boolean
  /**
   * Decides who app processes run as or what they inherit from Ferry: only the operator may set it (flags, or a
   * --config file only root can write), never an app's own Ferryfile.json, which the app's owner writes.
   */
  readonly operatorOnly?: boolean
}

export interface IntegerOption extends OptionBase {
  readonly kind: 'integer'
  readonly default?: number
  readonly min: number
  readonly max?: number
  readonly unit?: string
}
export interface StringOption extends OptionBase { readonly kind: 'string', readonly default?: string, readonly placeholder: string }
export interface BooleanOption extends OptionBase { readonly kind: 'boolean', readonly default?: boolean, readonly allowNo?: boolean }
export interface EnumOption extends OptionBase { readonly kind: 'enum', readonly default?: string, readonly values: readonly string[] }
export interface ListOption extends OptionBase {
  readonly kind: 'list'
  readonly placeholder: string
  /** Why an item cannot be used, or undefined when it can; absent: items are NAME=VALUE pairs. */
  readonly checkItem?: (item: string) => string | undefined
}
export type OptionSpec = IntegerOption | StringOption | BooleanOption | EnumOption | ListOption

export const LOG_LEVELS = ['crit', 'error', 'warn', 'notice', 'info', 'debug'] as const
export type LogLevelName = typeof LOG_LEVELS[number]
// Not spread inside OPTIONS: a bundler keeps any statement with a spread (it may run code), and the fast path's
// bundles (scripts/build-fast.ts) need only COMMAND_OPTIONS, not the whole table.
const LOG_LEVEL_VALUES = [...LOG_LEVELS, '0', '1', '2', '3', '4', '5'] as const

/** --pass-env items: a bare variable name. */
function variableNameProblem (item: string): string | undefined {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(item) ? undefined : 'a variable NAME'
}

const START = ['start'] as const
/** Options of the server core, shared by `ferry start` and `ferry fly`. */
const SERVE = ['start', 'fly'] as const

export const OPTIONS = [
  // server
  { name: 'port', kind: 'integer', section: 'server', char: 'p', default: 3000, min: 0, max: 65535, help: 'TCP port to listen on (0 picks a free one)', commands: START },
  { name: 'address', kind: 'string', section: 'server', char: 'a', default: '0.0.0.0', placeholder: 'HOST', help: 'address to bind to', commands: START },
  { name: 'socket', kind: 'string', section: 'server', char: 'S', placeholder: 'PATH', help: 'listen on this Unix socket instead of TCP', commands: START },
  { name: 'daemonize', kind: 'boolean', section: 'server', char: 'd', default: false, help: 'run in the background (stop it with ferry stop)', commands: SERVE },
  { name: 'pid-file', kind: 'string', section: 'server', placeholder: 'PATH', help: 'where to write the watchdog PID', defaultText: '<registry>/ferry.<port>.pid when daemonized', commands: ['start', 'fly', 'stop'] },
  { name: 'instance-registry-dir', kind: 'string', section: 'server', placeholder: 'PATH', env: 'FERRY_INSTANCE_REGISTRY_DIR', help: 'directory that holds running instances\' state', defaultText: 'your own: /run/ferry for root, else $XDG_RUNTIME_DIR/ferry or <temp dir>/ferry-<uid>', commands: ['start', 'fly', 'stop'] },
  { name: 'socket-file', kind: 'string', section: 'server', placeholder: 'PATH', help: 'the Unix socket a front web server (nginx) proxies to', commands: ['fly'] },
  { name: 'socket-mode', kind: 'string', section: 'server', default: '0660', placeholder: 'MODE', help: 'permissions of the Unix socket (octal)', commands: SERVE },
  { name: 'socket-group', kind: 'string', section: 'server', placeholder: 'GROUP', help: 'group that owns the Unix socket (give it the front server\'s group, e.g. www-data)', defaultText: 'the user\'s group', commands: SERVE },
  { name: 'trust-front-headers', kind: 'boolean', section: 'server', default: false, help: 'on the Unix socket only: let the front server name the app with X-Ferry-App-Root (and X-Ferry-App-Env, X-Ferry-App-Type); an app root not seen before is spawned on its first request', commands: SERVE },
  { name: 'config', kind: 'string', section: 'server', char: 'c', placeholder: 'FILE', help: 'a JSON file of options and apps to serve (see ferry(1)); re-read by ferry reload or SIGHUP', commands: SERVE },
  { name: 'admin-address', kind: 'string', section: 'server', placeholder: 'HOST:PORT', help: 'also serve the admin API on this TCP address, with the same passwords (use a loopback address unless you mean to expose it)', defaultText: 'only the Unix socket in the instance directory', commands: SERVE },
  { name: 'metrics-address', kind: 'string', section: 'server', placeholder: 'HOST:PORT', help: 'serve Prometheus metrics (/metrics) and health checks for load balancers and Kubernetes probes (/healthz, /readyz) on this TCP address, without authentication: it binds exactly there, so give a loopback address unless scrapers or probes come from elsewhere (port 0 picks a free port, logged at start). See docs/metrics.md', defaultText: 'off', commands: SERVE },
  { name: 'trust-proxy', kind: 'list', section: 'server', placeholder: 'ADDRESS', checkItem: trustProxyItemProblem, help: 'peers whose X-Forwarded-For/-Proto/-Host are kept (the peer is appended to X-Forwarded-For): an IP address, a CIDR range, loopback, or unix for the Unix socket (repeatable); from anyone else Ferry sets them itself', defaultText: 'nobody', commands: SERVE },
  { name: 'response-buffer-high-watermark', kind: 'integer', section: 'server', default: 134217728, min: 0, unit: 'bytes', help: 'read an app response ahead of a slow client up to this many bytes (0 = no limit)', commands: SERVE },
  { name: 'response-buffer-budget', kind: 'integer', section: 'server', default: 268435456, min: 0, unit: 'bytes', help: 'most bytes of app responses held for slow clients, all responses together: past it Ferry stops reading from apps whose clients are behind until those bytes drain (each response may still hold 64 KiB, so clients that keep up go on). The default gives two slow clients a full read-ahead each (0 = no limit)', commands: SERVE },
  { name: 'request-body-timeout', kind: 'integer', section: 'server', default: 60, min: 0, unit: 'seconds', help: 'answer 408 to a request whose body stops arriving (no byte for this long while Ferry reads it) and abort it in the app, so a trickling upload cannot hold an app process (0 = never)', commands: SERVE },
  // app
  { name: 'environment', kind: 'string', section: 'app', char: 'e', default: 'production', placeholder: 'NAME', help: 'app environment, given to apps as NODE_ENV, RACK_ENV, RAILS_ENV and FERRY_APP_ENV', commands: SERVE, perApp: true },
  { name: 'app-type', kind: 'enum', section: 'app', values: ['node', 'python', 'ruby', 'generic'], help: 'how to start the app: node, python (a WSGI app), ruby (a Rack app) or generic (--app-start-command)', defaultText: 'detected from the app directory: a Node entry file, passenger_wsgi.py (python) or config.ru (ruby); more than one is an error', commands: SERVE, perApp: true },
  { name: 'startup-file', kind: 'string', section: 'app', placeholder: 'FILE', help: 'the app\'s entry file: a Node file, a Python file exposing the WSGI callable application (or app), or a Ruby rackup file', defaultText: 'Node: app.js, server.js, index.js or package.json main/start; python: passenger_wsgi.py, wsgi.py or app.py; ruby: config.ru', commands: SERVE, perApp: true },
  { name: 'python', kind: 'string', section: 'app', placeholder: 'PATH', help: 'the Python interpreter that runs a Python app', defaultText: 'venv/bin/python or .venv/bin/python in the app root, else python3 on PATH', commands: SERVE, perApp: true },
  { name: 'ruby', kind: 'string', section: 'app', placeholder: 'PATH', help: 'the Ruby interpreter that runs a Ruby app (with a Gemfile in the app root, it runs as under bundle exec)', defaultText: 'ruby on PATH', commands: SERVE, perApp: true },
  { name: 'app-start-command', kind: 'string', section: 'app', placeholder: 'COMMAND', help: 'start a generic app with this shell command; it must listen on $PORT', commands: SERVE, perApp: true },
  { name: 'envvar', kind: 'list', section: 'app', placeholder: 'NAME=VALUE', help: 'pass an environment variable to the app (repeatable)', commands: SERVE, perApp: true },
  { name: 'user', kind: 'string', section: 'app', placeholder: 'USER', help: 'when Ferry runs as root: run app processes as this user (never root); a flag, or in a --config file only root can write, never in a Ferryfile.json', defaultText: 'the owner of the startup file (of the app directory for generic apps; the directory\'s owner when it is not root and the file is another user\'s), or nobody when that is root', commands: SERVE, perApp: true, operatorOnly: true },
  { name: 'group', kind: 'string', section: 'app', placeholder: 'GROUP', help: 'when Ferry runs as root: run app processes in this group (never root); like --user, never in a Ferryfile.json', defaultText: 'the user\'s primary group', commands: SERVE, perApp: true, operatorOnly: true },
  { name: 'pass-env', kind: 'list', section: 'app', placeholder: 'NAME', checkItem: variableNameProblem, help: 'app processes that run as another user (Ferry is root) get a clean environment (see ferry(1)); also pass them this variable of Ferry\'s environment (repeatable; never in a Ferryfile.json)', commands: SERVE, perApp: true, operatorOnly: true },
  { name: 'app-scheduling', kind: 'enum', section: 'app', values: ['batch', 'normal'], default: 'batch', help: 'Linux scheduling policy of app processes: batch (SCHED_BATCH) keeps their share of the CPU but a request waking one does not preempt the process that sent it (the core; with --bypass, a client or front server on the same machine), which then finishes its batch of I/O first (~20% more requests/s through the core on a busy 2-core machine, 2-10% with --bypass, and no stalls from the two taking turns a request at a time); normal is the system default. Where chrt(1) cannot set it for the app\'s user, the policy Ferry runs under (the log says so)', commands: SERVE, perApp: true },
  { name: 'friendly-error-pages', kind: 'boolean', section: 'app', allowNo: true, help: 'show spawn errors and app output in error pages', defaultText: 'on in development only', commands: SERVE, perApp: true },
  { name: 'start-timeout', kind: 'integer', section: 'app', default: 90, min: 1, unit: 'seconds', help: 'how long an app process may take to become ready; the instance-wide value also bounds the Ferry core\'s own start-up (binding, the socket hand-off with its watchdog), which otherwise fails with E_CORE_START_TIMEOUT', commands: SERVE, perApp: true },
  // pool
  { name: 'max-pool-size', kind: 'integer', section: 'pool', default: 6, min: 1, help: 'most app processes, all apps together', commands: SERVE },
  { name: 'min-instances', kind: 'integer', section: 'pool', default: 1, min: 0, help: 'processes per app kept running, started at boot', commands: SERVE, perApp: true },
  { name: 'max-instances', kind: 'integer', section: 'pool', default: 0, min: 0, help: 'most processes per app (0 = up to the pool size)', commands: SERVE, perApp: true },
  { name: 'concurrency', kind: 'integer', section: 'pool', default: 0, min: 0, help: 'requests one process serves at once (0 = the app type\'s own: unlimited for Node and generic apps, 1 for Python and Ruby apps)', commands: SERVE, perApp: true },
  { name: 'max-request-queue-size', kind: 'integer', section: 'pool', default: 100, min: 0, help: 'requests that may wait for a process; more get 503 (0 = unlimited)', commands: SERVE, perApp: true },
  { name: 'pool-idle-time', kind: 'integer', section: 'pool', default: 300, min: 0, unit: 'seconds', help: 'stop processes idle this long, down to min-instances (0 = never)', commands: SERVE, perApp: true },
  { name: 'bypass', kind: 'boolean', section: 'pool', default: false, help: 'Node apps only: hand the listening socket to the app\'s processes, which accept clients themselves (faster; the core still spawns, supervises, recycles and restarts them and counts their requests). Gives up least-busy balancing, the request queue, buffering for slow clients and sticky sessions; each process serves static files and keeps its own turbocache (see docs/bypass.md); the instance must serve this one app', commands: START, perApp: true },
  { name: 'hand-ahead', kind: 'boolean', section: 'pool', default: true, allowNo: true, help: 'Python and Ruby apps at --concurrency 1: give a busy process the next waiting request (GET or HEAD without a body: one safe to send to another process if this one dies) while it finishes its current one, when no process is free and the app cannot grow, unless that one has already run 20 ms; the loader reads it as soon as it has answered instead of waiting a round trip through the core (about 1.5x the requests/s of a hello app on a busy machine). --no-hand-ahead: requests wait in the core\'s queue for the first free process, as in Passenger', commands: SERVE, perApp: true },
  { name: 'saturation-elu', kind: 'integer', section: 'pool', default: 80, min: 0, max: 100, unit: '%', help: 'grow a Node app\'s group when every process\'s event loop is busy at least this share of the time (0 = grow only when every process is at --concurrency)', commands: SERVE, perApp: true },
  // lifecycle
  { name: 'core-heartbeat-timeout', kind: 'integer', section: 'lifecycle', default: 30, min: 0, unit: 'seconds', help: 'restart the Ferry core when it has sent its watchdog no heartbeat for this long: it hangs or was stopped (0 = never)', commands: SERVE },
  { name: 'rolling-restarts', kind: 'boolean', section: 'lifecycle', default: false, help: 'restart apps one process at a time, new before old, so they keep serving (restart.txt and restart-app)', commands: SERVE, perApp: true },
  { name: 'stat-throttle-rate', kind: 'integer', section: 'lifecycle', default: 1, min: 0, unit: 'seconds', help: 'how often to look at tmp/restart.txt and tmp/always_restart.txt in the app root (0 = never)', commands: SERVE, perApp: true },
  { name: 'max-requests', kind: 'integer', section: 'lifecycle', default: 0, min: 0, help: 'replace a process after it has served this many requests (0 = never)', commands: SERVE, perApp: true },
  { name: 'memory-limit', kind: 'integer', section: 'lifecycle', default: 0, min: 0, unit: 'MB', help: 'replace a process whose private memory grows over this (0 = no limit)', commands: SERVE, perApp: true },
  { name: 'max-request-time', kind: 'integer', section: 'lifecycle', default: 0, min: 0, unit: 'seconds', help: 'answer 504 to a request that takes longer, and replace its process (0 = no limit)', commands: SERVE, perApp: true },
  { name: 'upgrade-timeout', kind: 'integer', section: 'lifecycle', default: 60, min: 1, unit: 'seconds', help: 'answer 504 to an Upgrade request (a WebSocket handshake) the app has not answered within this long (as nginx\'s proxy_read_timeout)', commands: SERVE, perApp: true },
  { name: 'websocket-drain-time', kind: 'integer', section: 'lifecycle', default: 300, min: 0, unit: 'seconds', help: 'how long a process taken out of rotation (restart, recycling, detach) keeps its open WebSockets (any Upgrade the app answered with 101) once its requests are done; meanwhile it does not count against --max-pool-size, so new processes serve; then it is stopped and they close (0 = at once)', commands: SERVE, perApp: true },
  { name: 'oob-work-every', kind: 'integer', section: 'lifecycle', default: 0, min: 0, help: 'ask each process for out-of-band work (such as garbage collection) every this many requests (0 = only when the app asks)', commands: SERVE, perApp: true },
  { name: 'max-oob-work-instances', kind: 'integer', section: 'lifecycle', default: 1, min: 1, help: 'most processes per app out of rotation for out-of-band work at once', commands: SERVE, perApp: true },
  { name: 'sticky-sessions', kind: 'boolean', section: 'lifecycle', default: false, help: 'send a client back to the process that served it first, named by a cookie', commands: SERVE, perApp: true },
  { name: 'sticky-sessions-cookie-name', kind: 'string', section: 'lifecycle', default: '_ferry_route', placeholder: 'NAME', help: 'the cookie that names the process for sticky sessions', commands: SERVE, perApp: true },
  // cache
  { name: 'disable-turbocaching', kind: 'boolean', section: 'cache', default: false, help: 'turn the turbocache (the shared response cache in the core) off', commands: SERVE, perApp: true },
  { name: 'turbocache-size', kind: 'integer', section: 'cache', default: 67108864, min: 0, unit: 'bytes', help: 'most memory the turbocache may use; least recently used entries are evicted', commands: SERVE },
  { name: 'vary-turbocache-by-cookie', kind: 'string', section: 'cache', placeholder: 'NAME', help: 'make this cookie\'s value part of the cache key (other cookies are ignored for caching)', commands: SERVE, perApp: true },
  // log
  { name: 'log-file', kind: 'string', section: 'log', placeholder: 'PATH', help: 'write the log here', defaultText: 'the terminal, or <registry>/ferry.<port>.log when daemonized', commands: SERVE },
  { name: 'app-output-rate', kind: 'integer', section: 'log', default: 256, min: 0, unit: 'KiB/s', help: 'most of an app\'s output (stdout and stderr, all its processes together) logged per second on average; past it lines are dropped and a notice says how many (0 = no limit)', commands: SERVE, perApp: true },
  { name: 'app-output-burst', kind: 'integer', section: 'log', default: 2048, min: 1, unit: 'KiB', help: 'how much app output may be logged at once above --app-output-rate (a start-up banner, a stack trace) before lines are dropped', commands: SERVE, perApp: true },
  { name: 'log-level', kind: 'enum', section: 'log', default: 'notice', values: LOG_LEVEL_VALUES, help: 'least important messages to log (names or 0-5); debug also shows stack traces', commands: ['start', 'fly', 'stop'] }
] as const satisfies readonly OptionSpec[]

type Spec = typeof OPTIONS[number]
type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S
type ValueOf<O> = O extends { kind: 'integer' } ? number
  : O extends { kind: 'boolean' } ? boolean
    : O extends { kind: 'list' } ? readonly string[]
      : O extends { kind: 'enum', values: readonly (infer V)[] } ? V
        : string
type HasDefault<O> = O extends { default: unknown } ? true : O extends { kind: 'list' } ? true : false

/** The resolved options: names in camelCase; options without a default may be undefined. */
export type FerryOptions = {
  readonly [O in Spec as HasDefault<O> extends true ? CamelCase<O['name']> : never]: ValueOf<O>
} & {
  readonly [O in Spec as HasDefault<O> extends true ? never : CamelCase<O['name']>]?: ValueOf<O>
}

export function camelCase (name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
}

export function optionsFor (command: string): readonly OptionSpec[] {
  return (OPTIONS as readonly OptionSpec[]).filter(o => o.commands?.includes(command))
}

export function describeDefault (o: OptionSpec | CommandOptionSpec): string | undefined {
  if (o.defaultText !== undefined) return o.defaultText
  if (o.kind === 'list' || o.default === undefined) return undefined
  return String(o.default) + (o.kind === 'integer' && o.unit !== undefined ? ` ${o.unit}` : '')
}

interface CommandOptionExtras {
  /** Older names still accepted, with a warning that they are deprecated. */
  readonly deprecatedAliases?: readonly string[]
  /** false: help leaves the default unsaid (a view's switch, whose default the help sentence implies). */
  readonly defaultInHelp?: false
  /** What help shows for the value; none: oclif's own. */
  readonly placeholder?: string
}
type Unsectioned<O> = O extends OptionSpec ? Omit<O, 'section' | 'perApp' | 'operatorOnly' | 'placeholder'> & CommandOptionExtras : never
/** An option of one command rather than of an instance: no section, never in a file, the environment or /config.json. */
export type CommandOptionSpec = Unsectioned<IntegerOption | StringOption | BooleanOption | EnumOption>

export const PASSENGER_COMPAT_ENV = 'FERRY_PASSENGER_COMPAT'
/** `ferry status --watch` without a value. */
export const DEFAULT_WATCH_SECONDS = 2

/** The commands that talk to an instance's admin API (status, with its own timeout, aside). */
const ADMIN_API = ['reload', 'restart-app', 'detach-process', 'reopen-logs', 'cache:purge'] as const
/** The commands that address one running instance. */
const ADDRESSING = [...ADMIN_API, 'status', 'stop'] as const

/**
 * The options of the commands that talk to a running instance, parsed by the CLI alone (oclif applies their
 * defaults and ranges), so they stay out of FerryOptions, config files and /config.json. A command's flags come in
 * this order: its own first, then the instance's.
 */
export const COMMAND_OPTIONS = [
  // status
  { name: 'show', kind: 'enum', values: ['pool', 'xml', 'json', 'server', 'requests'], default: 'pool', help: 'which view: pool, xml, json (the snapshot), server or requests', commands: ['status'] },
  { name: 'header', kind: 'boolean', allowNo: true, default: true, help: 'print the Version/Date/Instance header', commands: ['status'] },
  { name: 'verbose', kind: 'boolean', char: 'v', default: false, defaultInHelp: false, help: 'show more detail in the pool and XML views', commands: ['status'] },
  { name: 'force-colors', kind: 'boolean', help: 'colour the pool view even when not on a terminal (NO_COLOR still wins)', commands: ['status'] },
  { name: 'passenger-compat', kind: 'boolean', env: PASSENGER_COMPAT_ENV, allowNo: true, default: false, help: 'pool view with only the lines passenger-status prints: no Last spawn error or Command lines, out-of-band work shown as DISABLED (XML, server and requests views are Passenger\'s shape either way)', commands: ['status'] },
  { name: 'watch', kind: 'string', placeholder: '[SECONDS]', help: `show the view again every SECONDS (${DEFAULT_WATCH_SECONDS} if none given), redrawn in place on a terminal until q or Ctrl-C; printed again and again on a pipe`, commands: ['status'] },
  // memory-stats
  { name: 'apache', kind: 'boolean', allowNo: true, default: true, defaultInHelp: false, help: 'show Apache processes', commands: ['memory-stats'] },
  { name: 'nginx', kind: 'boolean', allowNo: true, default: true, defaultInHelp: false, help: 'show nginx processes', commands: ['memory-stats'] },
  { name: 'passenger-compat', kind: 'boolean', env: PASSENGER_COMPAT_ENV, allowNo: true, default: false, help: 'passenger-memory-stats\'s layout word for word: the Ferry section titled "Passenger processes", Passenger\'s totals and warning', commands: ['memory-stats'] },
  // cache purge
  { name: 'app', kind: 'string', placeholder: 'APP', help: 'drop this app\'s entries: its directory or its name in `ferry status`', commands: ['cache:purge'] },
  { name: 'all', kind: 'boolean', help: 'drop every entry of the instance', commands: ['cache:purge'] },
  // restart-app
  { name: 'rolling', kind: 'boolean', help: 'replace one process at a time, new before old, so the app keeps serving', defaultText: 'the instance\'s --rolling-restarts', commands: ['restart-app'] },
  // which instance, and how long to wait for it
  { name: 'name', kind: 'string', char: 'n', placeholder: 'NAME', deprecatedAliases: ['instance'], help: 'the instance\'s name (a unique prefix is enough); needed when several run (--instance is a deprecated alias)', commands: ADDRESSING },
  { name: 'port', kind: 'integer', char: 'p', placeholder: 'N', min: 0, max: 65535, help: 'the instance listening on this TCP port', commands: ADDRESSING },
  { name: 'socket', kind: 'string', char: 'S', placeholder: 'PATH', help: 'the instance listening on this Unix socket', commands: ADDRESSING },
  // stop has the server's --instance-registry-dir (it also finds pid files there)
  { name: 'instance-registry-dir', kind: 'string', placeholder: 'PATH', help: 'where to look for instances', defaultText: '$FERRY_INSTANCE_REGISTRY_DIR, else your own: /run/ferry for root, else $XDG_RUNTIME_DIR/ferry or <temp dir>/ferry-<uid>', commands: [...ADMIN_API, 'status'] },
  { name: 'timeout', kind: 'integer', min: 1, default: 10, help: 'seconds to wait for the admin API', commands: ADMIN_API },
  { name: 'timeout', kind: 'integer', min: 1, default: 5, help: 'seconds to wait for the admin API', commands: ['status'] },
  { name: 'timeout', kind: 'integer', min: 1, default: 60, help: 'seconds to wait for it to stop', commands: ['stop'] }
] as const satisfies readonly CommandOptionSpec[]

/** The command's own options, in the order its flags take. */
export function commandOptionsFor (command: string): readonly CommandOptionSpec[] {
  return (COMMAND_OPTIONS as readonly CommandOptionSpec[]).filter(o => o.commands?.includes(command))
}
