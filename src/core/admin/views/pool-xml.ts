// `ferry status --show=xml`: the pool in the schema of Passenger's `/pool.xml` (info version 3), so that
// parsers written for `passenger-status --show=xml` keep working. Every element Passenger 6.0.17 prints is here,
// in its order, with its meaning, unit and type; Ferry's own additions come after the reference's elements of the
// same parent (except ferry_version, next to passenger_version). Values use Passenger's vocabulary: app_type is
// `node` for Node apps and empty for generic apps (what Passenger prints for an --app-start-command app; Ferry's
// own word is in <loader>). Left out, as Passenger leaves out options without a value: api_key and secret (Ferry has
// no per-app API keys, and never prints secrets).
// Pure: data in, string out.
import type { GroupSnapshot, ProcessSnapshot } from '../../pool/snapshot.js'
import { realMemoryKb, type ProcessMetrics, type StatusSnapshot } from '../status-snapshot.js'
import { orderProcesses } from './common.js'
import { formatSince } from './duration.js'

export interface PoolXmlOptions {
  /** The time `uptime` and `last_used_desc` are measured against (ms since the epoch). */
  readonly now: number
  /**
   * The reference's `?secrets=true` (passenger-status -v): adds the top-level wait list and each process's sockets
   * (address, protocol, concurrency, sessions). Its group secrets and API keys have no Ferry counterpart.
   */
  readonly verbose?: boolean
}

const XML_DECLARATION = '<?xml version="1.0" encoding="iso-8859-1" ?>'

/**
 * Escapes text for element content and attribute values. Besides & < > " ', every non-ASCII character becomes
 * a numeric character reference, so the document is pure ASCII and stays correct under the iso-8859-1
 * declaration the reference uses; tab, CR and LF become references too, keeping the document on one line like
 * the reference's; characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/F) become
 * U+FFFD.
 */
export function escapeXml (text: string): string {
  let out = ''
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0xfffd
    if (ch === '&') out += '&amp;'
    else if (ch === '<') out += '&lt;'
    else if (ch === '>') out += '&gt;'
    else if (ch === '"') out += '&quot;'
    else if (ch === "'") out += '&apos;'
    else if (c >= 0x20 && c < 0x7f) out += ch
    else if (c === 0x9 || c === 0xa || c === 0xd || (c >= 0x7f && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff)) out += `&#${c};`
    else out += '&#65533;'
  }
  return out
}

type Content = string | number | readonly string[]

/** One element; strings are escaped, numbers printed as plain integers, arrays are already-built children. */
function el (name: string, content: Content, attrs = ''): string {
  const inner = typeof content === 'number' ? String(int(content)) : typeof content === 'string' ? escapeXml(content) : content.join('')
  return `<${name}${attrs}>${inner}</${name}>`
}

function int (n: number): number {
  return Number.isFinite(n) ? Math.trunc(n) : 0
}

/** ms since the epoch → µs since the epoch, the unit of the reference's time elements. */
const micros = (ms: number): number => Math.round(ms * 1000)

const capacityUsed = (g: GroupSnapshot): number => g.processes.length + g.spawning

/** Passenger's word for each of Ferry's app types; a type Passenger has no word for prints empty, as it does. */
const PASSENGER_APP_TYPE: Readonly<Record<string, string>> = { node: 'node', generic: '', python: 'wsgi', ruby: 'rack' }
const passengerAppType = (t: string): string => PASSENGER_APP_TYPE[t] ?? ''

/** The title Ferry's Node loader gives app processes (followed by `: <app root>`), as Passenger's process_title. */
const PROCESS_TITLES: Readonly<Record<string, string>> = { node: 'Ferry NodeApp' }

/**
 * Passenger's scale for a busy process: its sessions, scaled so bounded-concurrency processes rank after unlimited ones.
 * At most INT_MAX, Passenger's own bound: a one-at-a-time process holding a request handed ahead has 2 sessions.
 */
const INT_MAX = 2147483647
const busyness = (sessions: number, concurrency: number): number =>
  concurrency <= 0 ? sessions : Math.min(INT_MAX, Math.floor(sessions * INT_MAX / concurrency))

export function renderPoolXml (s: StatusSnapshot, opts: PoolXmlOptions): string {
  const pool = s.pool
  const supergroups = pool.groups.map(g => el('supergroup', [
    el('name', g.name),
    el('state', 'READY'),
    el('get_wait_list_size', 0),
    el('capacity_used', capacityUsed(g)),
    el('group', groupChildren(g, s, opts), ' default="true"')
  ]))
  const info = [
    el('passenger_version', s.instance.version),
    el('ferry_version', s.instance.version),
    el('group_count', pool.group_count),
    el('process_count', pool.process_count),
    el('max', pool.max_pool_size),
    el('capacity_used', pool.groups.reduce((n, g) => n + capacityUsed(g), 0)),
    // Ferry has no top-level queue: requests wait in their group's queue.
    el('get_wait_list_size', 0)
  ]
  if (opts.verbose === true) info.push(el('get_wait_list', []))
  info.push(el('supergroups', supergroups))
  return `${XML_DECLARATION}\n${el('info', info, ' version="3"')}\n`
}

function groupChildren (g: GroupSnapshot, s: StatusSnapshot, opts: PoolXmlOptions): string[] {
  const ready = g.processes.filter(p => p.state === 'ready').length
  const runAs = s.apps?.[g.name]?.run_as
  const children = [
    el('name', g.name),
    el('component_name', g.name),
    el('app_root', g.app_root),
    el('app_type', passengerAppType(g.app_type)),
    el('environment', g.environment),
    el('uuid', g.uuid),
    el('enabled_process_count', ready),
    el('disabling_process_count', 0),
    el('disabled_process_count', g.processes.filter(p => p.state === 'oob').length),
    el('capacity_used', capacityUsed(g)),
    el('get_wait_list_size', g.queue_length),
    el('disable_wait_list_size', 0),
    el('processes_being_spawned', g.spawning)
  ]
  if (g.spawning > 0) children.push('<spawning/>')
  if (g.restarting) children.push('<restarting/>')
  children.push(el('life_status', 'ALIVE'))
  if (runAs !== undefined) children.push(el('user', runAs.user), el('uid', runAs.uid), el('group', runAs.group), el('gid', runAs.gid))
  children.push(
    el('options', optionChildren(g, s)),
    el('processes', orderProcesses(g.processes).map(p => processElement(p, s.metrics[String(p.pid)], opts))),
    // Ferry's additions.
    el('loader', g.app_type),
    el('queue_overflows', g.queue_overflows),
    el('spawn_failures', g.failures)
  )
  if (g.last_spawn_error !== null) children.push(el('last_spawn_error', g.last_spawn_error))
  return children
}

/** The group's `<options>`: Passenger's, in its order, without those that have no value (as Passenger does). */
function optionChildren (g: GroupSnapshot, s: StatusSnapshot): string[] {
  const settings = s.settings
  const options: Array<[string, string | number | undefined]> = [
    ['app_root', g.app_root],
    ['app_group_name', g.name],
    ['app_type', passengerAppType(g.app_type)],
    ['start_command', g.start_command],
    ['startup_file', g.startup_file ?? undefined],
    ['process_title', PROCESS_TITLES[g.app_type]],
    ['log_level', settings?.log_level],
    ['start_timeout', g.start_timeout_ms],
    ['environment', g.environment],
    ['base_uri', s.apps?.[g.name]?.base_uri],
    // Every process is started afresh (no preloader forks them).
    ['spawn_method', 'direct'],
    // Generic apps are asked to listen on this address.
    ['bind_address', '127.0.0.1'],
    ['default_user', settings?.default_user],
    ['default_group', settings?.default_group],
    ['integration_mode', settings?.integration_mode],
    // The interpreters Ruby and Python apps are run with, by Passenger's defaults (Ferry has no option for them).
    ['ruby', 'ruby'],
    ['python', 'python3'],
    ['nodejs', settings?.nodejs],
    ['debugger', 'false'],
    ['min_processes', g.min_instances],
    ['max_processes', g.max_instances],
    // No preloader, so none idles: 0, Passenger's "never shut down".
    ['max_preloader_idle_time', 0],
    ['max_out_of_band_work_instances', g.max_oob_work_instances],
    ['sticky_sessions_cookie_attributes', settings?.sticky_sessions_cookie_attributes],
    // Ferry's addition.
    ['max_request_queue_size', g.max_queue]
  ]
  return options.filter(([, v]) => v !== undefined && v !== '').map(([name, v]) => el(name, v!))
}

const LIFE_STATUS: Record<ProcessSnapshot['state'], string> = { ready: 'ALIVE', oob: 'ALIVE', stopping: 'SHUTDOWN_TRIGGERED', dead: 'DEAD' }
// A stopping Ferry process has left the routing table for good and is draining: Passenger's DETACHED. One away for
// out-of-band work is out of rotation for a while and comes back: Passenger's DISABLED.
const ENABLED: Record<ProcessSnapshot['state'], string> = { ready: 'ENABLED', oob: 'DISABLED', stopping: 'DETACHED', dead: 'DETACHED' }

function processElement (p: ProcessSnapshot, m: ProcessMetrics | undefined, opts: PoolXmlOptions): string {
  const children = [
    el('pid', p.pid),
    el('sticky_session_id', p.sticky_session_id),
    el('gupid', p.gupid),
    el('concurrency', p.concurrency),
    el('sessions', p.sessions),
    el('busyness', busyness(p.sessions, p.concurrency)),
    el('processed', p.processed),
    el('spawner_creation_time', micros(p.generation_started_at)),
    el('spawn_start_time', micros(p.spawn_started_at)),
    el('spawn_end_time', micros(p.spawned_at)),
    el('last_used', micros(p.last_used)),
    el('last_used_desc', `${formatSince(p.last_used, opts.now)} ago`),
    el('uptime', formatSince(p.spawned_at, opts.now)),
    el('life_status', LIFE_STATUS[p.state]),
    el('enabled', ENABLED[p.state])
  ]
  if (m !== undefined) {
    children.push(
      el('has_metrics', 'true'),
      el('cpu', Math.max(0, int(m.cpu))),
      el('rss', m.rss_kb)
    )
    if (m.pss_kb !== undefined && m.pss_kb !== null) children.push(el('pss', m.pss_kb))
    if (m.private_dirty_kb !== null) children.push(el('private_dirty', m.private_dirty_kb))
    children.push(
      el('swap', m.swap_kb),
      el('real_memory', realMemoryKb(m)),
      el('vmsize', m.vmsize_kb)
    )
    if (m.process_group_id !== undefined && m.process_group_id !== null) children.push(el('process_group_id', m.process_group_id))
    // The title, as Passenger's command is ps's command column (for a Node app "Ferry NodeApp: <root>").
    children.push(el('command', m.title ?? p.command))
  }
  if (opts.verbose === true) {
    children.push(el('sockets', [el('socket', [
      el('address', p.address),
      el('protocol', 'http'),
      el('concurrency', p.concurrency),
      el('accept_http_requests', 1),
      el('sessions', p.sessions)
    ])]))
  }
  return el('process', children)
}
