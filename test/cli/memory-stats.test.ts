// `ferry memory-stats` against real running instances: a Node app and a generic app, each under its own core.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runCli } from '../helpers/cli.js'
import { startFerry } from '../helpers/ferry.js'
import { get } from '../helpers/http.js'
import { fixtureApp } from '../helpers/tmp.js'

interface Row { pid: number, vmsize: string, private: string, name: string }

// The rows of the Ferry section, cut at the columns the header line gives (so misaligned rows fail).
function ferrySection (stdout: string): { rows: Row[], processes: number, totalMb: number, totalLine: string } {
  const lines = stdout.split('\n')
  const start = lines.findIndex(l => /^-+ Ferry processes -+$/.test(l))
  assert.ok(start >= 0, stdout)
  const header = lines[start + 1]!
  assert.match(header, /^PID +VMSize +Private +Name$/)
  assert.equal(lines[start + 2], '-'.repeat(header.length + 1))
  assert.equal(lines[start].length, header.length + 1, 'the title line is as wide as the rule')
  const [v, p, n] = ['VMSize', 'Private', 'Name'].map(c => header.indexOf(c))
  const end = lines.findIndex((l, i) => i > start && l.startsWith('### Processes:'))
  const rows = lines.slice(start + 3, end).map(l => ({
    pid: Number(l.slice(0, v).trim()), vmsize: l.slice(v, p).trim(), private: l.slice(p, n).trim(), name: l.slice(n)
  }))
  const totalLine = lines[end + 1]!
  return { rows, processes: Number(lines[end]!.split(': ')[1]), totalMb: Number(/RSS: ([\d.]+) MB/.exec(totalLine)![1]), totalLine }
}

test('memory-stats lists the watchdog, core and app processes of running instances, generic apps included', async t => {
  const [node, generic] = await Promise.all([
    startFerry(t, fixtureApp('hello')),
    startFerry(t, fixtureApp('generic'), ['--app-start-command', 'node server.js'])
  ])
  const [appPid, genericPid] = await Promise.all([node, generic].map(async f => Number((await get(`${f.url}/pid`)).body)))

  const [text, json] = await Promise.all([runCli(['memory-stats']), runCli(['memory-stats', '--json'])])
  assert.equal(text.code, 0, text.stderr)
  assert.match(text.stdout, /^Version: \d+\.\d+\.\d+\nDate {3}: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\n/)
  assert.match(text.stdout, /-+ Apache processes -+\n/)
  assert.match(text.stdout, /-+ Nginx processes -+\n/)

  const { rows, processes, totalMb, totalLine } = ferrySection(text.stdout)
  const byPid = new Map(rows.map(r => [r.pid, r]))
  assert.equal(byPid.get(node.proc.pid!)?.name, 'Ferry watchdog')
  assert.equal(byPid.get(generic.proc.pid!)?.name, 'Ferry watchdog')
  assert.equal(byPid.get(node.corePid)?.name, 'Ferry core')
  assert.equal(byPid.get(generic.corePid)?.name, 'Ferry core')
  assert.equal(byPid.get(appPid)?.name, `Ferry NodeApp: ${fixtureApp('hello')}`)
  assert.equal(byPid.get(genericPid)?.name, 'node server.js', 'the generic app is listed as a descendant of its core')
  for (const r of rows) {
    assert.match(r.vmsize, /^\d+\.\d MB$/)
    assert.match(r.private, /^(\d+\.\d MB|\?)$/)
  }

  assert.equal(processes, rows.length)
  const known = rows.filter(r => r.private !== '?')
  const sum = known.reduce((a, r) => a + Number.parseFloat(r.private), 0)
  assert.ok(Math.abs(sum - totalMb) <= 0.05 * known.length + 0.01, `${sum} vs ${totalLine}`)
  assert.equal(totalLine.includes('(?)'), known.length < rows.length)

  assert.equal(json.code, 0, json.stderr)
  const data = JSON.parse(json.stdout) as { apache: unknown, nginx: unknown, ferry: { processes: Array<{ pid: number, ppid: number, command: string }>, total_private_dirty_mb: number } }
  assert.ok(data.apache !== null && data.nginx !== null)
  assert.equal(typeof data.ferry.total_private_dirty_mb, 'number')
  const jsonPids = new Map(data.ferry.processes.map(p => [p.pid, p]))
  for (const pid of [node.proc.pid!, generic.proc.pid!, node.corePid, generic.corePid, appPid, genericPid]) {
    assert.equal(jsonPids.get(pid)?.command, byPid.get(pid)?.name, `pid ${pid} in --json`)
  }
  assert.equal(jsonPids.get(genericPid)?.ppid, generic.corePid)
})

test('memory-stats --no-apache --no-nginx shows the Ferry section only', async () => {
  const r = await runCli(['memory-stats', '--no-apache', '--no-nginx'])
  assert.equal(r.code, 0, r.stderr)
  assert.doesNotMatch(r.stdout, /Apache|Nginx/)
  assert.match(r.stdout, /-+ Ferry processes -+\n/)
  const json = JSON.parse((await runCli(['memory-stats', '--no-apache', '--no-nginx', '--json'])).stdout) as Record<string, unknown>
  assert.equal(json.apache, null)
  assert.equal(json.nginx, null)
})

// What agents written for passenger-memory-stats do (the Nagios/collectd/Telegraf scripts docs/monitoring.md
// names): find the "Passenger processes" section, read its `### Processes` and `### Total private dirty RSS` lines.
function passengerSection (stdout: string): { processes: number, totalMb: number, pids: number[] } {
  const section = stdout.split(/^-+ Passenger processes -+$/m)[1]
  assert.ok(section !== undefined, `no Passenger processes section in:\n${stdout}`)
  const processes = Number(/^### Processes: (\d+)$/m.exec(section)?.[1])
  const totalMb = Number(/^### Total private dirty RSS: ([\d.]+) MB/m.exec(section)?.[1])
  const pids = [...section.matchAll(/^(\d+) {2,}/gm)].map(m => Number(m[1]))
  return { processes, totalMb, pids }
}

test('memory-stats --passenger-compat and FERRY_PASSENGER_COMPAT=1: Passenger\'s section titles, so its agents count Ferry\'s processes', async t => {
  const f = await startFerry(t, fixtureApp('hello'))
  const appPid = Number((await get(`${f.url}/pid`)).body)
  const [flag, env, off] = await Promise.all([
    runCli(['memory-stats', '--passenger-compat']),
    runCli(['memory-stats'], { env: { FERRY_PASSENGER_COMPAT: '1' } }),
    runCli(['memory-stats', '--no-passenger-compat'], { env: { FERRY_PASSENGER_COMPAT: '1' } })
  ])
  for (const r of [flag, env]) {
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Version: \S+\nDate {3}: [^\n]+\n-+ Apache processes -+\n/)
    assert.doesNotMatch(r.stdout, /Ferry processes/)
    const s = passengerSection(r.stdout)
    assert.ok(s.processes >= 3 && s.processes === s.pids.length, r.stdout)
    for (const pid of [f.proc.pid!, f.corePid, appPid]) assert.ok(s.pids.includes(pid), `pid ${pid} listed`)
    assert.ok(s.totalMb > 0, 'memory is counted, not 0')
  }
  assert.equal(off.code, 0, off.stderr)
  assert.match(off.stdout, /-+ Ferry processes -+\n/, '--no-passenger-compat wins over the environment')
  assert.doesNotMatch(off.stdout, /Passenger processes/)
})
