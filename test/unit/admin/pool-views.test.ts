// Golden tests of the passenger-status–compatible pool views. The goldens under test/fixtures/golden were
// written from the implementation (FERRY_UPDATE_GOLDEN=1 rewrites them) after the single-group case was
// checked against Passenger's captured output, passenger-reference-pool.txt / -status.xml (copies of
// /work/shared/reference/passenger-outputs/{pool.txt,status.xml}).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../helpers/tmp.js'
import type { StatusSnapshot } from '../../../src/core/admin/status-snapshot.js'
import { renderPoolText, renderStatusHeader, OOB_WORK_LINE } from '../../../src/core/admin/views/pool-text.js'
import { renderPoolXml, escapeXml } from '../../../src/core/admin/views/pool-xml.js'
import { formatDuration } from '../../../src/core/admin/views/duration.js'

const goldenDir = join(repoRoot, 'test', 'fixtures', 'golden')
const readGolden = (name: string): string => readFileSync(join(goldenDir, name), 'utf8')

function golden (name: string, actual: string): void {
  if (process.env.FERRY_UPDATE_GOLDEN === '1') writeFileSync(join(goldenDir, name), actual)
  assert.equal(actual, readGolden(name), `output differs from golden ${name}`)
}

// 2026-11-28 14:44:07 UTC, the moment the reference output was captured.
const NOW = Date.UTC(2026, 10, 28, 14, 44, 7)
const ago = (s: number): number => NOW - s * 1000

const INSTANCE = { name: 'qKIGYHXE', version: '0.1.0', server_software: 'Ferry/0.1.0' }

/** The reference's pool: one group, two idle processes. */
function singleGroup (instance = INSTANCE): StatusSnapshot {
  return {
    instance,
    pool: {
      taken_at: NOW,
      max_pool_size: 2,
      process_count: 2,
      group_count: 1,
      groups: [{
        name: '/srv/apps/hello',
        app_root: '/srv/apps/hello',
        app_type: 'node',
        environment: 'production',
        queue_length: 0,
        max_queue: 100,
        queue_overflows: 0,
        oldest_wait_ms: 0,
        spawning: 0,
        min_instances: 2,
        failures: 0,
        last_spawn_error: null,
        processes: [
          { pid: 3306, state: 'ready', sessions: 0, tunnels: 0, processed: 4, concurrency: 0, spawned_at: ago(22), last_used: ago(8), command: 'Ferry NodeApp: /srv/apps/hello', event_loop_utilization: null },
          { pid: 3355, state: 'ready', sessions: 0, tunnels: 0, processed: 0, concurrency: 0, spawned_at: ago(22), last_used: ago(22), command: 'Ferry NodeApp: /srv/apps/hello', event_loop_utilization: null }
        ]
      }]
    },
    metrics: {
      3306: { cpu: 1.4, rss_kb: 50232, private_dirty_kb: 8248, swap_kb: 0, vmsize_kb: 1025724 },
      3355: { cpu: 1, rss_kb: 48908, private_dirty_kb: 8012, swap_kb: 0, vmsize_kb: 1025724 }
    }
  }
}

/** Two groups; a stopping process, one without metrics, a spawn error, XML-special characters. */
function multiGroup (): StatusSnapshot {
  return {
    instance: INSTANCE,
    pool: {
      taken_at: NOW,
      max_pool_size: 6,
      process_count: 4,
      group_count: 2,
      groups: [
        {
          name: '/srv/apps/a&<b>',
          app_root: '/srv/apps/a&<b> "q" \'s\' é',
          app_type: 'node',
          environment: 'production',
          queue_length: 3,
          max_queue: 100,
          queue_overflows: 2,
          oldest_wait_ms: 1500,
          spawning: 1,
          min_instances: 1,
          failures: 1,
          last_spawn_error: 'spawn failed: exit code 1\n  at <loader> & friends',
          processes: [
            { pid: 41001, state: 'stopping', sessions: 1, tunnels: 0, processed: 12345, concurrency: 0, spawned_at: ago(3 * 3600 + 2 * 60 + 1), last_used: ago(65), command: 'node server.js --port=0', event_loop_utilization: null },
            { pid: 41002, state: 'ready', sessions: 12, tunnels: 0, processed: 987654, concurrency: 16, spawned_at: ago(2 * 86400 + 3600 + 7), last_used: ago(0), command: 'node server.js', event_loop_utilization: null },
            { pid: 41003, state: 'ready', sessions: 0, tunnels: 0, processed: 0, concurrency: 0, spawned_at: ago(1), last_used: ago(1), command: 'node server.js', event_loop_utilization: null }
          ]
        },
        {
          name: 'generic-app',
          app_root: '/srv/apps/generic',
          app_type: 'generic',
          environment: 'staging',
          queue_length: 0,
          max_queue: 0,
          queue_overflows: 0,
          oldest_wait_ms: 0,
          spawning: 0,
          min_instances: 0,
          failures: 0,
          last_spawn_error: null,
          processes: [
            { pid: 1234567, state: 'ready', sessions: 0, tunnels: 0, processed: 3, concurrency: 1, spawned_at: ago(185), last_used: ago(60), command: './bin/server', event_loop_utilization: null }
          ]
        }
      ]
    },
    metrics: {
      41001: { cpu: 0, rss_kb: 30000, private_dirty_kb: 20480, swap_kb: 1024, vmsize_kb: 900000 },
      41002: { cpu: 123.9, rss_kb: 200000, private_dirty_kb: null, swap_kb: 2048, vmsize_kb: 1200000 },
      // 41003 has no metrics
      1234567: { cpu: 5, rss_kb: 2048, private_dirty_kb: 1000, swap_kb: 0, vmsize_kb: 10000 }
    }
  }
}

const PID_LINE = /^ {2}\* PID: \d+ +Sessions: \d+ +Processed: \d+ +Uptime: .+$/
const METRICS_LINE = /^ {4}CPU: \d+% +Memory {2}: (\d+M|\?) +Last used: .+ ago$/
const COLUMNS = ['Sessions:', 'Processed:', 'Uptime:', 'Memory', 'Last used:']

const offsets = (line: string): number[] => COLUMNS.map(c => line.indexOf(c)).filter(i => i >= 0)

test('durations: seconds, then minutes, hours and days with every lower unit', () => {
  assert.equal(formatDuration(0), '0s')
  assert.equal(formatDuration(22_999), '22s')
  assert.equal(formatDuration(60_000), '1m 0s')
  assert.equal(formatDuration(185_000), '3m 5s')
  assert.equal(formatDuration(3723_000), '1h 2m 3s')
  assert.equal(formatDuration(86400_000 * 2 + 3600_000 + 7000), '2d 1h 0m 7s')
  assert.equal(formatDuration(-5000), '0s')
  assert.equal(formatDuration(Number.NaN), '0s')
})

test('header: the reference\'s three lines, date in UTC, then a blank line', () => {
  assert.equal(renderStatusHeader(INSTANCE, new Date(NOW)),
    'Version : 0.1.0\nDate    : 2026-11-28 14:44:07 +0000\nInstance: qKIGYHXE (Ferry/0.1.0)\n\n')
})

test('with Passenger\'s instance info, header + pool text reproduce the reference pool.txt byte for byte', () => {
  const s = singleGroup({ name: 'qKIGYHXE', version: '6.0.17', server_software: 'Phusion_Passenger/6.0.17' })
  const out = renderStatusHeader(s.instance, new Date(NOW)) + renderPoolText(s, { now: NOW })
  assert.equal(out, readGolden('passenger-reference-pool.txt'))
})

test('single group: golden text, and each line matches the reference\'s line shape column by column', () => {
  const s = singleGroup()
  const out = renderStatusHeader(s.instance, new Date(NOW)) + renderPoolText(s, { now: NOW })
  golden('pool-single.txt', out)
  const ref = readGolden('passenger-reference-pool.txt').split('\n')
  const ours = out.split('\n')
  assert.equal(ours.length, ref.length)
  let processLines = 0
  for (let i = 0; i < ref.length; i++) {
    if (PID_LINE.test(ref[i]) || METRICS_LINE.test(ref[i])) {
      const re = PID_LINE.test(ref[i]) ? PID_LINE : METRICS_LINE
      assert.match(ours[i], re)
      assert.deepEqual(offsets(ours[i]), offsets(ref[i]), `column offsets of line ${i + 1}`)
      processLines++
    } else {
      // Same label before the first ':' (or the same blank/heading line).
      assert.equal(ours[i].split(':')[0], ref[i].split(':')[0], `line ${i + 1}`)
    }
  }
  assert.equal(processLines, 4)
})

test('multi group: golden text, verbose and colour variants', () => {
  const s = multiGroup()
  const plain = renderPoolText(s, { now: NOW })
  golden('pool-multi.txt', plain)
  golden('pool-multi-verbose.txt', renderPoolText(s, { now: NOW, verbose: true }))

  const lines = plain.split('\n')
  const pidLines = lines.filter(l => l.startsWith('  * PID:'))
  const metricLines = lines.filter(l => l.startsWith('    CPU:'))
  assert.equal(pidLines.length, 4)
  assert.equal(metricLines.length, 4)
  for (const l of pidLines) assert.match(l, PID_LINE)
  for (const l of metricLines) assert.match(l, METRICS_LINE)
  // Values no wider than their fields keep the reference's columns; a 7-digit PID only pushes its own line.
  const ref = readGolden('passenger-reference-pool.txt').split('\n')
  const refPid = ref.find(l => PID_LINE.test(l)) ?? ''
  const refCpu = ref.find(l => METRICS_LINE.test(l)) ?? ''
  for (const i of [1, 2]) {
    assert.deepEqual(offsets(pidLines[i]), offsets(refPid))
    assert.deepEqual(offsets(metricLines[i]), offsets(refCpu))
  }
  // A 6-digit Processed pushes Uptime by one column; a 7-digit PID pushes the whole PID line by two.
  assert.deepEqual(offsets(pidLines[0]), [17, 35, 55])
  assert.deepEqual(offsets(pidLines[3]), [19, 37, 56])
  assert.ok(/1234567 {3}Sessions/.test(pidLines[3]))
  // The stopping process is listed after the serving ones and marked like Passenger marks a detached one.
  const stop = lines.findIndex(l => l.includes('PID: 41001'))
  assert.ok(stop > lines.findIndex(l => l.includes('PID: 41003')))
  assert.equal(lines[stop + 2], '    Shutting down...')
  // No metrics: CPU 0%, Memory ?
  assert.match(lines[lines.findIndex(l => l.includes('PID: 41003')) + 1], /^ {4}CPU: 0% {6}Memory {2}: \? {7}Last used: 1s ago$/)
  // Spawn error on one line, after the queue line.
  const q = lines.indexOf('  Requests in queue: 3')
  assert.equal(lines[q + 1], '  Last spawn error: spawn failed: exit code 1 at <loader> & friends')
  assert.equal(lines[q - 1], '  (spawning 1 new process...)')

  const coloured = renderPoolText(s, { now: NOW, colorize: true })
  assert.ok(coloured.startsWith('\x1b[33m\x1b[44m\x1b[1m----------- General information -----------\x1b[0m\n'))
  assert.ok(!plain.includes('\x1b'))
  assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), plain)
})

// ---- XML ----

interface XmlNode { name: string, attrs: string, children: XmlNode[], text: string }

/** A deliberately small well-formedness check: declaration, one root, balanced tags, valid entities, no raw '<'/'&'. */
function parseXml (doc: string): XmlNode {
  const decl = '<?xml version="1.0" encoding="iso-8859-1" ?>\n'
  assert.ok(doc.startsWith(decl), 'declaration')
  const body = doc.slice(decl.length).replace(/\n$/, '')
  const root: XmlNode = { name: '#document', attrs: '', children: [], text: '' }
  const stack = [root]
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<&]*(?:&(?:amp|lt|gt|quot|apos|#\d+);[^"<&]*)*")*)\s*(\/?)>|([^<]+)/gy
  let m: RegExpExecArray | null
  let pos = 0
  while (pos < body.length) {
    token.lastIndex = pos
    m = token.exec(body)
    assert.ok(m !== null, `malformed XML at offset ${pos}: ${body.slice(pos, pos + 40)}`)
    pos = token.lastIndex
    const top = stack[stack.length - 1]
    if (m[5] !== undefined) {
      assert.ok(/^(?:[^&<>]|&(?:amp|lt|gt|quot|apos|#\d+);)*$/.test(m[5]), `bad text: ${m[5]}`)
      assert.ok(stack.length > 1, 'text outside the root element')
      top.text += m[5]
    } else if (m[1] === '/') {
      assert.equal(top.name, m[2], `</${m[2]}> closes <${top.name}>`)
      stack.pop()
    } else {
      const node: XmlNode = { name: m[2], attrs: m[3], children: [], text: '' }
      top.children.push(node)
      if (m[4] !== '/') stack.push(node)
    }
  }
  assert.equal(stack.length, 1, 'unclosed elements')
  assert.equal(root.children.length, 1, 'exactly one root element')
  return root.children[0]
}

const child = (n: XmlNode, name: string): XmlNode => {
  const c = n.children.find(x => x.name === name)
  assert.ok(c !== undefined, `<${n.name}> has no <${name}>`)
  return c
}
const unescape = (t: string): string => t.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_, e: string) =>
  e[0] === '#' ? String.fromCodePoint(Number(e.slice(1))) : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e])

function referenceXml (): XmlNode {
  const doc = readGolden('passenger-reference-status.xml').split('\n').filter(l => !l.startsWith('***')).join('\n')
  return parseXml(doc)
}

/** Our element names must appear in the reference's order (for those the reference has). */
function assertSameOrder (ours: XmlNode, ref: XmlNode): void {
  const refNames = ref.children.map(c => c.name)
  const shared = ours.children.map(c => c.name).filter(n => refNames.includes(n))
  const refShared = refNames.filter(n => shared.includes(n))
  assert.deepEqual(shared, refShared, `children of <${ours.name}>`)
}

test('the checker accepts the reference status.xml and rejects broken documents', () => {
  const ref = referenceXml()
  assert.equal(ref.name, 'info')
  const decl = '<?xml version="1.0" encoding="iso-8859-1" ?>\n'
  assert.throws(() => parseXml(decl + '<a><b></a></b>'))
  assert.throws(() => parseXml(decl + '<a>x & y</a>'))
  assert.throws(() => parseXml(decl + '<a>x < y</a>'))
  assert.throws(() => parseXml(decl + '<a></a><b></b>'))
})

test('single group: golden XML, well-formed, reference element names in reference order', () => {
  const out = renderPoolXml(singleGroup(), { now: NOW })
  golden('pool-single.xml', out)
  const info = parseXml(out)
  const ref = referenceXml()
  assert.equal(info.name, 'info')
  assert.equal(info.attrs, ' version="3"')
  assertSameOrder(info, ref)
  const sg = child(child(info, 'supergroups'), 'supergroup')
  const refSg = child(child(ref, 'supergroups'), 'supergroup')
  assertSameOrder(sg, refSg)
  assert.equal(child(sg, 'state').text, 'READY')
  const group = child(sg, 'group')
  const refGroup = child(refSg, 'group')
  assert.equal(group.attrs, ' default="true"')
  assertSameOrder(group, refGroup)
  assertSameOrder(child(group, 'options'), child(refGroup, 'options'))
  const procs = child(group, 'processes').children
  const refProcs = child(refGroup, 'processes').children
  assert.equal(procs.length, 2)
  for (const p of procs) assertSameOrder(p, refProcs[0])
  // Every element of the reference <process> we emit, and the ones we deliberately leave out.
  const ourNames = procs[0].children.map(c => c.name)
  const missing = refProcs[0].children.map(c => c.name).filter(n => !ourNames.includes(n))
  assert.deepEqual(missing, ['sticky_session_id', 'gupid', 'busyness', 'spawner_creation_time', 'spawn_start_time', 'pss', 'process_group_id'])
  // Values: same units and formats as the reference.
  const p = procs[0]
  assert.equal(child(p, 'real_memory').text, '8248')
  assert.equal(child(p, 'cpu').text, '1')
  assert.equal(child(p, 'uptime').text, '22s')
  assert.equal(child(p, 'last_used_desc').text, '8s ago')
  assert.equal(child(p, 'last_used').text, String((NOW - 8000) * 1000))
  assert.match(child(p, 'spawn_end_time').text, /^\d{16}$/)
  assert.equal(child(info, 'passenger_version').text, '0.1.0')
  assert.equal(child(info, 'ferry_version').text, '0.1.0')
  assert.ok(!/api_key|secret|password/i.test(out))
  // Numbers are plain integers.
  for (const name of ['group_count', 'process_count', 'max', 'capacity_used']) assert.match(child(info, name).text, /^\d+$/)
})

test('multi group: golden XML, escaping, states, missing metrics, spawn error', () => {
  const s = multiGroup()
  const out = renderPoolXml(s, { now: NOW })
  golden('pool-multi.xml', out)
  assert.equal(renderPoolXml(s, { now: NOW, verbose: true }), out)
  assert.match(out, /^[\x00-\x7f]*$/, 'pure ASCII, so valid under the iso-8859-1 declaration')
  assert.equal(out.split('\n').length, 3, 'declaration line, one line of XML, final newline')
  const info = parseXml(out)
  const ref = referenceXml()
  const refProc = child(child(child(child(child(ref, 'supergroups'), 'supergroup'), 'group'), 'processes'), 'process')
  const groups = child(info, 'supergroups').children.map(sg => child(sg, 'group'))
  assert.equal(groups.length, 2)
  const [a, b] = groups
  assert.equal(unescape(child(a, 'app_root').text), '/srv/apps/a&<b> "q" \'s\' é')
  assert.equal(unescape(child(a, 'name').text), '/srv/apps/a&<b>')
  assert.equal(unescape(child(a, 'last_spawn_error').text), 'spawn failed: exit code 1\n  at <loader> & friends')
  assert.ok(a.children.some(c => c.name === 'spawning'))
  assert.equal(child(a, 'processes_being_spawned').text, '1')
  assert.equal(child(a, 'get_wait_list_size').text, '3')
  assert.equal(child(a, 'enabled_process_count').text, '2')
  assert.ok(!b.children.some(c => c.name === 'last_spawn_error'))
  const procs = child(a, 'processes').children
  assert.deepEqual(procs.map(p => child(p, 'pid').text), ['41002', '41003', '41001'])
  for (const p of [...procs, ...child(b, 'processes').children]) assertSameOrder(p, refProc)
  const [busy, bare, stopping] = procs
  assert.equal(child(stopping, 'life_status').text, 'SHUTDOWN_TRIGGERED')
  assert.equal(child(stopping, 'enabled').text, 'DETACHED')
  assert.equal(child(stopping, 'real_memory').text, String(20480 + 1024))
  assert.equal(child(busy, 'life_status').text, 'ALIVE')
  assert.equal(child(busy, 'enabled').text, 'ENABLED')
  assert.equal(child(busy, 'cpu').text, '123')
  assert.equal(child(busy, 'real_memory').text, String(200000 + 2048))
  assert.ok(!busy.children.some(c => c.name === 'private_dirty'))
  assert.equal(child(busy, 'uptime').text, '2d 1h 0m 7s')
  assert.ok(!bare.children.some(c => ['has_metrics', 'cpu', 'rss', 'real_memory'].includes(c.name)))
  assert.equal(child(bare, 'command').text, 'node server.js')
})

test('escapeXml: markup characters, quotes, non-ASCII and characters XML forbids', () => {
  assert.equal(escapeXml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&apos;f')
  assert.equal(escapeXml('é€😀'), '&#233;&#8364;&#128512;')
  assert.equal(escapeXml('x\u0001y\ud800z'), 'x&#65533;y&#65533;z')
  assert.equal(escapeXml('tab\tnl\ncr\r'), 'tab&#9;nl&#10;cr&#13;')
})

test('a process away for out-of-band work: listed after serving ones, marked in text, DISABLED in XML', () => {
  const s = multiGroup()
  const group = s.pool.groups[0]!
  const oob = { ...group.processes[2]!, state: 'oob' as const }
  const withOob: StatusSnapshot = { ...s, pool: { ...s.pool, groups: [{ ...group, processes: [oob, group.processes[1]!, group.processes[0]!] }, s.pool.groups[1]!] } }
  const text = renderPoolText(withOob, { now: NOW })
  const lines = text.split('\n')
  const at = lines.findIndex(l => l.startsWith('  * PID: 41003'))
  assert.equal(lines[at + 2], OOB_WORK_LINE)
  assert.ok(at > lines.findIndex(l => l.startsWith('  * PID: 41002')), 'serving processes come first')
  assert.ok(at < lines.findIndex(l => l.startsWith('  * PID: 41001')), 'stopping processes come last')
  const a = child(child(child(parseXml(renderPoolXml(withOob, { now: NOW })), 'supergroups'), 'supergroup'), 'group')
  const proc = child(a, 'processes').children.find(p => child(p, 'pid').text === '41003')!
  assert.equal(child(proc, 'enabled').text, 'DISABLED')
  assert.equal(child(proc, 'life_status').text, 'ALIVE')
  assert.equal(child(a, 'disabled_process_count').text, '1')
  assert.equal(child(a, 'enabled_process_count').text, '1')
})
