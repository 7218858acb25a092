// The same checks on the Python (wsgi-lab) and Ruby (rack-lab) fixtures served by a real Ferry: 50 MB bodies both
// ways without the app holding them whole, out-of-band work on request, growth under load, and status /
// memory-stats listing the processes.
import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { request } from 'undici'
import { fixtureApp, tmpDir } from './tmp.js'
import { startFerry } from './ferry.js'
import { get, getJson } from './http.js'
import { childPids, peakRss, waitFor } from './procs.js'
import { runCli } from './cli.js'

const MB = 1024 * 1024

export interface LabApp {
  /** Fixture app under test/fixtures/apps. */
  readonly fixture: string
  /** Flags naming the interpreter, e.g. ['--python', python]. */
  readonly interpreterArgs: readonly string[]
  /** The app's peak RSS must stay under this many MB. */
  readonly maxRssMb: number
  /** The process title's kind, e.g. 'PythonApp'. */
  readonly titleKind: string
}

export async function checkLabApp (t: TestContext, lab: LabApp): Promise<void> {
  const env = { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) }
  const f = await startFerry(t, fixtureApp(lab.fixture), [...lab.interpreterArgs, '--max-pool-size', '3'], env)
  const pid = Number((await get(`${f.url}/pid`)).body)
  const upload = await request(`${f.url}/count`, { method: 'POST', body: Buffer.alloc(50 * MB, 'u') })
  const counted = await upload.body.json() as { bytes: number, maxrss_kb: number }
  assert.equal(counted.bytes, 50 * MB)
  assert.ok(counted.maxrss_kb < lab.maxRssMb * 1000, `the app's peak RSS was ${counted.maxrss_kb} kB`)
  const download = await request(`${f.url}/download?mb=50`)
  let bytes = 0
  for await (const chunk of download.body) bytes += (chunk as Buffer).length
  assert.equal(bytes, 50 * MB)
  assert.ok(peakRss(pid) < lab.maxRssMb * MB, `the app's peak RSS was ${peakRss(pid)} bytes`)
  // Out-of-band work the app asks for with X-Ferry-OOB-Work: the core takes the process out of rotation and the
  // loader runs the hook the app registered.
  await get(`${f.url}/oob-hook`)
  const asked = await get(`${f.url}/ask-oob`)
  assert.equal(asked.headers['x-ferry-oob-work'], undefined, 'the header is for Ferry, not the client')
  await waitFor(async () => (await get(`${f.url}/oob-runs`)).body === '1', 5000, 'the out-of-band work hook to run')
  // One request at a time per process: concurrent requests make the pool grow, up to --max-pool-size.
  const pids = new Set(await Promise.all(Array.from({ length: 6 }, async () => (await getJson<{ pid: number }>(`${f.url}/slow?ms=500`)).pid)))
  assert.ok(pids.size >= 2, `load was served by ${pids.size} process(es)`)
  assert.ok(childPids(f.corePid).length <= 3)
  const [status, stats] = await Promise.all([runCli(['status'], { env }), runCli(['memory-stats'])])
  assert.equal(status.code, 0, status.stderr)
  for (const pid of pids) assert.match(status.stdout, new RegExp(`\\* PID: ${pid} `))
  for (const pid of pids) assert.match(stats.stdout, new RegExp(`\\n${pid} .*Ferry ${lab.titleKind}: ${fixtureApp(lab.fixture)}\\n`))
}
