// --bypass growth from event-loop utilization, with real processes: every process busy answering (handlers that
// burn CPU synchronously) grows the group, the new process takes clients, and the group shrinks back when idle.
// A process's requests in flight, sampled by its once-a-second report, read 0 between synchronous handlers: growth
// must not wait for them (it did: the group never grew).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry } from '../../helpers/ferry.js'
import { waitFor } from '../../helpers/procs.js'
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
