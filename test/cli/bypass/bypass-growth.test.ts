// --bypass growth from event-loop utilization, with real processes: every process busy answering (handlers that
// burn CPU synchronously) grows the group, the new process takes clients, and the group shrinks back when idle; an
// event loop kept busy by the app's own work, with a few requests beside it, does not grow it.
// A process's requests in flight, sampled by its once-a-second report, read 0 between synchronous handlers: growth
// must not wait for them (it did: the group never grew).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry } from '../../helpers/ferry.js'
import { childPids, waitFor } from '../../helpers/procs.js'
import { get } from '../../helpers/http.js'
import { startLoad } from '../../helpers/load.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

test('bypass: CPU-bound answers grow the group, the new process serves, then the group shrinks back', async t => {
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('bypass-lab'), ['--bypass', '--max-pool-size', '2', '--pool-idle-time', '2', '--instance-registry-dir', registry])
  const call = adminClient(t, instanceDirIn(registry))
  const ready = async (): Promise<number> => {
    const s = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ processes: Array<{ state: string }> }> } }
    return (s.pool.groups[0]?.processes ?? []).filter(p => p.state === 'ready').length
  }
  await waitFor(async () => await ready() === 1, 15_000, 'the first process')
  const load = startLoad(`${f.url}/burn?ms=20`, 4)
  await waitFor(async () => await ready() === 2, 20_000, 'a second process')
  // Its clients were all on the first process (keep-alive): the connection balance moves some over.
  await waitFor(() => load.servedBy().length === 2, 15_000, 'both processes to serve')
  const result = await load.stop()
  assert.deepEqual(result.failures, [])
  await waitFor(async () => await ready() === 1, 15_000, 'back to one process after the idle time')
})

test('bypass: an event loop busy with the app\'s own work does not grow the group on a few requests', async t => {
  // Each new process would run the same work: growing for it filled the pool on one request a second (an attack
  // helper's finding; through the core it stays at one process).
  const dir = tmpDir(t)
  writeFileSync(join(dir, 'app.js'), `setInterval(() => { const end = Date.now() + 90; while (Date.now() < end); }, 100)
require('node:http').createServer((req, res) => res.end(String(process.pid))).listen(process.env.PORT || 3000)
`)
  const f = await startFerry(t, dir, ['--bypass', '--max-pool-size', '3'])
  await waitFor(() => childPids(f.corePid).length === 1, 15_000, 'the first process')
  const until = Date.now() + 6_000
  while (Date.now() < until) {
    assert.equal((await get(f.url + '/')).status, 200)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  assert.equal(childPids(f.corePid).length, 1, 'still one process')
})
