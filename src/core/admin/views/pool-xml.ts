// `ferry status --show=xml`: the pool in the schema of Passenger's `/pool.xml` (info version 3), so that
// parsers written for `passenger-status --show=xml` keep working. Element names and their order follow the
// reference; elements Ferry has no data for are left out (parsers of the reference must already cope with
// optional elements), and Ferry's own additions come after the reference's elements of the same parent.
// Pure: data in, string out. Never contains secrets.
import type { GroupSnapshot, ProcessSnapshot } from '../../pool/snapshot.js'
import { realMemoryKb, type ProcessMetrics, type StatusSnapshot } from '../status-snapshot.js'
import { orderProcesses } from './common.js'
import { formatSince } from './duration.js'

export interface PoolXmlOptions {
  /** The time `uptime` and `last_used_desc` are measured against (ms since the epoch). */
  readonly now: number
  /**
   * Accepted for symmetry with the text view and the reference's `?secrets=` switch. The reference only adds
   * secrets (API keys, socket addresses) in verbose mode and Ferry never prints secrets, so it changes nothing.
   */
  readonly verbose?: boolean
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="iso-8859-1" ?>'

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

export function renderPoolXml (s: StatusSnapshot, opts: PoolXmlOptions): string {
  const pool = s.pool
  const supergroups = pool.groups.map(g => el('supergroup', [
    el('name', g.name),
    el('state', 'READY'),
    el('get_wait_list_size', 0),
    el('capacity_used', capacityUsed(g)),
    el('group', groupChildren(g, s, opts), ' default="true"')
  ]))
  const info = el('info', [
    el('passenger_version', s.instance.version),
    el('ferry_version', s.instance.version),
    el('group_count', pool.group_count),
    el('process_count', pool.process_count),
    el('max', pool.max_pool_size),
    el('capacity_used', pool.groups.reduce((n, g) => n + capacityUsed(g), 0)),
    // Ferry has no top-level queue: requests wait in their group's queue.
    el('get_wait_list_size', 0),
    el('supergroups', supergroups)
  ], ' version="3"')
  return `${XML_DECLARATION}\n${info}\n`
}

function groupChildren (g: GroupSnapshot, s: StatusSnapshot, opts: PoolXmlOptions): string[] {
  const ready = g.processes.filter(p => p.state === 'ready').length
  const children = [
    el('name', g.name),
    el('component_name', g.name),
    el('app_root', g.app_root),
    el('app_type', g.app_type),
    el('environment', g.environment),
    el('enabled_process_count', ready),
    el('disabling_process_count', 0),
    el('disabled_process_count', g.processes.filter(p => p.state === 'oob').length),
    el('capacity_used', capacityUsed(g)),
    el('get_wait_list_size', g.queue_length),
    el('disable_wait_list_size', 0),
    el('processes_being_spawned', g.spawning)
  ]
  if (g.spawning > 0) children.push('<spawning/>')
  children.push(
    el('life_status', 'ALIVE'),
    el('options', [
      el('app_root', g.app_root),
      el('app_group_name', g.name),
      el('app_type', g.app_type),
      el('environment', g.environment),
      el('min_processes', g.min_instances),
      el('max_request_queue_size', g.max_queue)
    ]),
    el('processes', orderProcesses(g.processes).map(p => processElement(p, s.metrics[String(p.pid)], opts))),
    // Ferry's additions.
    el('queue_overflows', g.queue_overflows),
    el('spawn_failures', g.failures)
  )
  if (g.last_spawn_error !== null) children.push(el('last_spawn_error', g.last_spawn_error))
  return children
}

const LIFE_STATUS: Record<ProcessSnapshot['state'], string> = { ready: 'ALIVE', oob: 'ALIVE', stopping: 'SHUTDOWN_TRIGGERED', dead: 'DEAD' }
// A stopping Ferry process has left the routing table for good and is draining: Passenger's DETACHED. One away for
// out-of-band work is out of rotation for a while and comes back: Passenger's DISABLED.
const ENABLED: Record<ProcessSnapshot['state'], string> = { ready: 'ENABLED', oob: 'DISABLED', stopping: 'DETACHED', dead: 'DETACHED' }

function processElement (p: ProcessSnapshot, m: ProcessMetrics | undefined, opts: PoolXmlOptions): string {
  const children = [
    el('pid', p.pid),
    el('concurrency', p.concurrency),
    el('sessions', p.sessions),
    el('processed', p.processed),
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
    if (m.private_dirty_kb !== null) children.push(el('private_dirty', m.private_dirty_kb))
    children.push(
      el('swap', m.swap_kb),
      el('real_memory', realMemoryKb(m)),
      el('vmsize', m.vmsize_kb)
    )
  }
  children.push(el('command', p.command))
  return el('process', children)
}
