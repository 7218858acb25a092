// --bypass with real processes: the app's processes accept clients on the instance's socket themselves (the app
// sees the client's own port, and the core's front server counts no connection), both answer under load, their
// batched counters reach status and metrics, a killed one is replaced while the other serves, and a rolling
// restart keeps answering.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { realpathSync } from 'node:fs'
import { request } from 'undici'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry, readyCount, logged, type RunningFerry } from '../../helpers/ferry.js'
import { waitFor } from '../../helpers/procs.js'
import { startLoad } from '../../helpers/load.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { get } from '../../helpers/http.js'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

interface PoolProcess { pid: number, state: string, sessions: number, processed: number, last_used: number, spawned_at: number }
type Call = ReturnType<typeof adminClient>

async function processes (call: Call): Promise<PoolProcess[]> {
  const s = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ processes: PoolProcess[] }> } }
  return s.pool.groups[0]?.processes ?? []
}
const readyPids = async (call: Call): Promise<number[]> => (await processes(call)).filter(p => p.state === 'ready').map(p => p.pid)

async function bypassInstance (t: TestContext, args: readonly string[] = []): Promise<{ f: RunningFerry, call: Call }> {
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('bypass-lab'), ['--bypass', '--min-instances', '2', '--instance-registry-dir', registry, ...args])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two processes')
  return { f, call: adminClient(t, instanceDirIn(registry)) }
}

/** One request on a connection of our own: what the app answered, and the local port the request left from. */
function askFromOwnPort (url: string): Promise<{ body: { pid: number, remotePort: number }, localPort: number }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
    let out = ''
    s.setEncoding('latin1')
    s.on('data', d => { out += d })
    s.on('error', reject)
    s.on('end', () => {
      const body = out.slice(out.indexOf('\r\n\r\n') + 4)
      resolve({ body: JSON.parse(body) as { pid: number, remotePort: number }, localPort: s.localPort ?? -1 })
    })
  })
}

test('bypass: processes accept clients themselves, both answer under load, status and metrics count them', async t => {
  const { f, call } = await bypassInstance(t, ['--metrics-address', '127.0.0.1:0'])
  const pids = await readyPids(call)
  assert.equal(pids.length, 2)

  // The app sees the client's own port: nothing sits between them (through the core it would see the core's).
  const direct = await askFromOwnPort(f.url)
  assert.equal(direct.body.remotePort, direct.localPort, 'the app process saw the client\'s own socket')
  assert.ok(pids.includes(direct.body.pid))

  // Requests that keep a process busy make the other one accept: both answer. Each on a new connection, as a
  // keep-alive connection stays with the process that accepted it.
  const answered = new Set<number>()
  const worker = async (): Promise<number> => {
    let n = 0
    for (let i = 0; i < 20; i++) {
      const r = await get(`${f.url}/burn?ms=15`)
      assert.equal(r.status, 200, r.body)
      answered.add((JSON.parse(r.body) as { pid: number }).pid)
      n++
    }
    return n
  }
  const result = { ok: (await Promise.all([worker(), worker(), worker(), worker()])).reduce((a, b) => a + b, 0) }
  assert.deepEqual([...answered].sort(), [...pids].sort(), 'both processes answered')

  // The core's front server saw none of it.
  const server = (JSON.parse((await call('/server.json')).body) as { thread1: Record<string, unknown> }).thread1
  assert.equal(server.total_clients_accepted, 0, 'no client connected to the core')
  assert.equal(server.total_requests_begun, 0, 'no request went through the core')

  // Their batched counters reach the pool view: every request is counted once, none is in flight.
  const total = result.ok + 1
  await waitFor(async () => (await processes(call)).reduce((n, p) => n + p.processed, 0) === total, 5_000, `processed to reach ${total}`)
  const ps = await processes(call)
  assert.ok(ps.every(p => p.sessions === 0 && p.processed > 0 && p.last_used >= p.spawned_at), JSON.stringify(ps))
  const text = (await call('/pool.txt')).body
  assert.match(text, /Processed: +[1-9]/)
  const xml = (await call('/pool.xml')).body
  const xmlProcessed = [...xml.matchAll(/<processed>(\d+)<\/processed>/g)].reduce((n, m) => n + Number(m[1]), 0)
  assert.equal(xmlProcessed, total, 'the XML view counts them too')
  // --show requests: what each process reported, bytes included.
  const requests = JSON.parse((await call('/requests.json')).body) as { bypassed_processes: Array<{ pid: number, processed: number, active_request_count: number, bytes_in: number, bytes_out: number }> }
  assert.deepEqual(requests.bypassed_processes.map(p => p.pid).sort(), [...pids].sort())
  assert.ok(requests.bypassed_processes.every(p => p.bytes_in > 0 && p.bytes_out > p.processed * 50), JSON.stringify(requests.bypassed_processes))

  // And the metrics, by status class.
  const metricsUrl = /metrics on (http:\/\/\S+)\/metrics/.exec(f.output())?.[1]
  assert.ok(metricsUrl !== undefined, f.output())
  const res = await request(`${metricsUrl}/metrics`)
  const metrics = await res.body.text()
  const twoXX = /ferry_requests_total\{[^}]*code="2xx"[^}]*\} (\d+)/.exec(metrics)?.[1]
  assert.equal(Number(twoXX), total, metrics.split('\n').filter(l => l.startsWith('ferry_requests')).join('\n'))
})

test('bypass: a killed process is replaced while the other serves; a rolling restart keeps answering', async t => {
  const { f, call } = await bypassInstance(t, ['--rolling-restarts'])
  const before = await readyPids(call)
  const load = startLoad(`${f.url}/slow?ms=5`, 4)
  await waitFor(() => load.count() >= 20, 10_000, 'load to run')

  process.kill(before[0]!, 'SIGKILL')
  await waitFor(async () => { const now = await readyPids(call); return now.length === 2 && !now.includes(before[0]!) }, 20_000, 'a replacement')
  const afterKill = load.count()
  await waitFor(() => load.count() >= afterKill + 20, 10_000, 'clients to keep being served')
  const killed = await load.stop()
  // Requests in flight on the killed process die with it; every other one is answered.
  assert.ok(killed.failures.length <= 4, killed.failures.join('\n'))

  const mid = await readyPids(call)
  const rolling = startLoad(`${f.url}/slow?ms=5`, 4)
  await waitFor(() => rolling.count() >= 20, 10_000, 'load to run')
  const r = await call('/pool/restart_app_group.json', { method: 'POST', account: 'admin', body: JSON.stringify({ name: realpathSync(fixtureApp('bypass-lab')), restart_method: 'rolling' }) })
  assert.equal(r.status, 200, r.body)
  await waitFor(async () => { const now = await readyPids(call); return now.length === 2 && now.every(p => !mid.includes(p)) }, 20_000, 'every process replaced')
  await sleep(300)
  // Detaching one: it stops accepting and drains, a new one takes its place; no client notices.
  const [detached] = await readyPids(call)
  const d = await call('/pool/detach_process.json', { method: 'POST', account: 'admin', body: JSON.stringify({ pid: detached }) })
  assert.equal(d.status, 200, d.body)
  await waitFor(async () => { const now = await readyPids(call); return now.length === 2 && !now.includes(detached!) }, 20_000, 'the detached one replaced')
  const result = await rolling.stop()
  assert.deepEqual(result.failures, [], 'no request failed during the rolling restart and the detach')
  await logged(f, /restarting .* \(rolling\)/)
})

test('bypass: --max-requests replaces a process after the requests it counted itself', async t => {
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('bypass-lab'), ['--bypass', '--max-requests', '10', '--instance-registry-dir', registry])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the process')
  const call = adminClient(t, instanceDirIn(registry))
  const [first] = await readyPids(call)
  for (let i = 0; i < 12; i++) await askFromOwnPort(f.url)
  // Counted in the process, reported within a second, then replaced (clients wait in the backlog meanwhile).
  await waitFor(async () => { const now = await readyPids(call); return now.length === 1 && now[0] !== first }, 10_000, 'a replacement')
  const after = await askFromOwnPort(f.url)
  assert.notEqual(after.body.pid, first)
  await logged(f, /max-requests|10 requests/)
})
