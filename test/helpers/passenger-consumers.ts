// How monitoring agents written for Passenger read its tools' output, re-implemented from what they document and
// read (not their code), so tests can feed them Ferry's output:
//  - Telegraf's passenger input (plugins/inputs/passenger) runs `passenger-status -v --show=xml` and decodes it into
//    typed fields with Go's encoding/xml: a value that is not an integer where it wants one fails the whole gather.
//  - Diamond's PassengerCollector reads passenger-memory-stats (the rows under "Passenger processes", private MB as
//    the 4th whitespace-separated word) and passenger-status (the queue lines of the pool view).
import assert from 'node:assert/strict'
import { DOMParser, type Element } from '@xmldom/xmldom'

/** A strict XML parse: any warning or error (malformed markup, bad entity) throws. */
export function parseXmlStrict (xml: string): Element {
  const doc = new DOMParser({ onError: (level, message) => { throw new Error(`XML ${level}: ${message}`) } }).parseFromString(xml, 'text/xml')
  assert.ok(doc.documentElement !== null, 'a root element')
  return doc.documentElement
}

const children = (e: Element, name: string): Element[] =>
  Array.from(e.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).tagName === name)
const first = (e: Element, name: string): Element | undefined => children(e, name)[0]
const text = (e: Element, name: string): string => first(e, name)?.textContent ?? ''

/** Go's strconv.ParseInt after encoding/xml trims: empty is 0, anything else not an integer is an error. */
function goInt (e: Element, name: string): number {
  const t = text(e, name).trim()
  if (t === '') return 0
  assert.match(t, /^[+-]?\d+$/, `<${name}> is not an integer: ${JSON.stringify(t)}`)
  return Number(t)
}

/** Go's strconv.ParseBool: empty is false. */
function goBool (e: Element, name: string): boolean {
  const t = text(e, name).trim()
  if (t === '') return false
  assert.ok(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(t), `<${name}> is not a boolean: ${t}`)
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(t)
}

export interface TelegrafProcess {
  pid: number, concurrency: number, sessions: number, busyness: number, processed: number, spawner_creation_time: number,
  spawn_start_time: number, spawn_end_time: number, last_used: number, uptime: string, life_status: string, enabled: string,
  has_metrics: boolean, cpu: number, rss: number, pss: number, private_dirty: number, swap: number, real_memory: number,
  vmsize: number, process_group_id: string
}
export interface TelegrafGroup {
  name: string, app_root: string, app_type: string, enabled_process_count: number, disabling_process_count: number,
  disabled_process_count: number, capacity_used: number, get_wait_list_size: number, processes_being_spawned: number, processes: TelegrafProcess[]
}
export interface TelegrafInfo {
  passenger_version: string, process_count: number, capacity_used: number, get_wait_list_size: number, max: number,
  supergroups: Array<{ name: string, get_wait_list_size: number, capacity_used: number, groups: TelegrafGroup[] }>
}

/** The fields Telegraf's passenger input reads, at the element paths it reads them from, with its types. */
export function readLikeTelegraf (xml: string): TelegrafInfo {
  const info = parseXmlStrict(xml)
  assert.equal(info.tagName, 'info')
  const supergroups = children(first(info, 'supergroups')!, 'supergroup').map(sg => ({
    name: text(sg, 'name'),
    get_wait_list_size: goInt(sg, 'get_wait_list_size'),
    capacity_used: goInt(sg, 'capacity_used'),
    groups: children(sg, 'group').map(g => ({
      name: text(g, 'name'),
      app_root: text(g, 'app_root'),
      app_type: text(g, 'app_type'),
      enabled_process_count: goInt(g, 'enabled_process_count'),
      disabling_process_count: goInt(g, 'disabling_process_count'),
      disabled_process_count: goInt(g, 'disabled_process_count'),
      capacity_used: goInt(g, 'capacity_used'),
      get_wait_list_size: goInt(g, 'get_wait_list_size'),
      processes_being_spawned: goInt(g, 'processes_being_spawned'),
      processes: children(first(g, 'processes')!, 'process').map(p => ({
        pid: goInt(p, 'pid'),
        concurrency: goInt(p, 'concurrency'),
        sessions: goInt(p, 'sessions'),
        busyness: goInt(p, 'busyness'),
        processed: goInt(p, 'processed'),
        spawner_creation_time: goInt(p, 'spawner_creation_time'),
        spawn_start_time: goInt(p, 'spawn_start_time'),
        spawn_end_time: goInt(p, 'spawn_end_time'),
        last_used: goInt(p, 'last_used'),
        uptime: text(p, 'uptime'),
        life_status: text(p, 'life_status'),
        enabled: text(p, 'enabled'),
        has_metrics: goBool(p, 'has_metrics'),
        cpu: goInt(p, 'cpu'),
        rss: goInt(p, 'rss'),
        pss: goInt(p, 'pss'),
        private_dirty: goInt(p, 'private_dirty'),
        swap: goInt(p, 'swap'),
        real_memory: goInt(p, 'real_memory'),
        vmsize: goInt(p, 'vmsize'),
        process_group_id: text(p, 'process_group_id')
      }))
    }))
  }))
  return {
    passenger_version: text(info, 'passenger_version'),
    process_count: goInt(info, 'process_count'),
    capacity_used: goInt(info, 'capacity_used'),
    get_wait_list_size: goInt(info, 'get_wait_list_size'),
    max: goInt(info, 'max'),
    supergroups
  }
}

/** Telegraf's uptime field: the seconds of `1d 2h 3m 4s`. */
export function uptimeSeconds (uptime: string): number {
  const unit: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 }
  return uptime.split(' ').reduce((n, part) => n + Number(part.slice(0, -1)) * (unit[part.slice(-1)] ?? NaN), 0)
}

/** Diamond's reading of passenger-memory-stats: PIDs and private MB of the rows in the "Passenger processes" section. */
export function readMemoryLikeDiamond (stdout: string): { pids: number[], privateMb: number } {
  let inPassenger = false
  const pids: number[] = []
  let privateMb = 0
  for (const line of stdout.split('\n')) {
    if (line.includes('Apache processes') || line.includes('Nginx processes')) inPassenger = false
    else if (line.includes('Passenger processes')) inPassenger = true
    else if (line.includes('Processes:')) inPassenger = false
    else if (/^\d/.test(line) && inPassenger) {
      const words = line.trim().split(/\s+/)
      pids.push(Number(words[0]))
      privateMb += Number.parseFloat(words[3]!)
    }
  }
  return { pids, privateMb }
}

/** Diamond's reading of passenger-status: the top-level queue (6th word) and an app's queue (4th word). */
export function readQueuesLikeDiamond (stdout: string): { topLevel: number, app: number } {
  let topLevel = NaN
  let app = NaN
  for (const line of stdout.split('\n').map(l => l.trim())) {
    if (line.startsWith('Requests') && line.includes('top-level')) topLevel = Number(line.split(/\s+/)[5])
    else if (line.includes('Requests') && !line.includes('top-level')) app = Number(line.split(/\s+/)[3])
  }
  return { topLevel, app }
}

/**
 * The check_passenger Nagios plugin's reading of passenger-status (it runs the executable it is given with no
 * arguments): the version, max pool size and process count before "Application groups", then per app (blocks
 * separated by blank lines) its App root, its PID lines and the sum of their `Memory : NM`.
 */
export function readLikeCheckPassenger (stdout: string): { version: string, maxPoolSize: number, processes: number, apps: Array<{ root: string, processes: number, memoryMb: number }> } {
  const m = /^([\s\S]*?)-+ +Application groups +-+[^\n]*\n([\s\S]*)$/.exec(stdout)
  assert.ok(m !== null, 'an "Application groups" section')
  const general = m[1]!
  const field = (re: RegExp): string => { const f = re.exec(general); assert.ok(f !== null, String(re)); return f[1]! }
  const apps = m[2]!.split('\n\n').filter(b => b.trim() !== '').map(block => {
    const root = /App root: +([^\n]+)/.exec(block)
    assert.ok(root !== null, `an App root in ${block}`)
    return {
      root: root[1]!.trim(),
      processes: [...block.matchAll(/PID *: *\d+/g)].length,
      memoryMb: [...block.matchAll(/Memory *: *(\d+)M/g)].reduce((s, x) => s + Number(x[1]), 0)
    }
  })
  return { version: field(/Version *: *([.\d]+)/), maxPoolSize: Number(field(/Max pool size *: *(\d+)/)), processes: Number(field(/Processes *: *(\d+)/)), apps }
}
