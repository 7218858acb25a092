// Hand-ahead (--hand-ahead, on by default): a Ruby or Python process that serves one request at a time is given the
// next waiting request while it finishes its current one, when no process is free and the pool cannot grow, so it
// never idles a round trip through the core between requests; but never behind a request that has already run a
// while (likely a slow one), and with --no-hand-ahead requests wait in the core's queue, as in Passenger.
import assert from 'node:assert/strict'
import { isDeepStrictEqual } from 'node:util'
import { describe, test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore } from '../../helpers/core.js'
import { getJson } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { waitFor } from '../../helpers/procs.js'
import { missing, rubyWith } from '../../helpers/languages.js'

const ruby = rubyWith('rack')

interface PoolView { sessions: number[], queued: number }

async function startLab (t: TestContext, args: string[]): Promise<{ url: string, pool: () => Promise<PoolView> }> {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('rack-lab'), ['--ruby', ruby!, ...args], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  return {
    url: f.url,
    pool: async () => {
      const { pool } = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ queue_length: number, processes: Array<{ sessions: number }> }> } }
      const g = pool.groups[0]!
      return { sessions: g.processes.map(p => p.sessions), queued: g.queue_length }
    }
  }
}

/** A timed request to rack-lab's /slow: which process served it, and when it was done (ms since `t0`). */
async function slow (url: string, ms: number, t0: number): Promise<{ pid: number, doneAt: number }> {
  const { pid } = await getJson<{ pid: number }>(`${url}/slow?ms=${ms}`)
  return { pid, doneAt: Date.now() - t0 }
}

describe('hand-ahead', { skip: missing(ruby, 'ruby with the rack gem (ruby-rack)') }, () => {
  test('a request that would wait in the core\'s queue waits at the busy process instead; --no-hand-ahead keeps it in the queue', async (t: TestContext) => {
    for (const [flag, expected] of [['--hand-ahead', { sessions: [2], queued: 0 }], ['--no-hand-ahead', { sessions: [1], queued: 1 }]] as const) {
      const lab = await startLab(t, ['--max-pool-size', '1', flag])
      // Warm: a cold core can take longer than the hand-ahead limit between the two requests below.
      await slow(lab.url, 1, Date.now())
      // A busy machine may take longer than the hand-ahead limit between the two (the second then waits in the queue),
      // or even finish the first before the second is seen: such an attempt shows nothing, so it goes again.
      for (let attempt = 1; ; attempt++) {
        let firstDone = false
        const first = slow(lab.url, 800, Date.now()).finally(() => { firstDone = true })
        const both = Promise.all([first, slow(lab.url, 1, Date.now())])
        let seen: PoolView | undefined
        await waitFor(async () => { seen = await lab.pool(); return firstDone || seen.sessions[0]! + seen.queued === 2 }, 5000, 'both requests to be in')
        const [a, b] = await both
        const bothIn = seen!.sessions[0]! + seen!.queued === 2
        if ((bothIn && isDeepStrictEqual(seen, expected)) || attempt === 5) {
          assert.deepEqual(seen, expected, flag)
          assert.equal(a.pid, b.pid)
          break
        }
      }
    }
  })

  test('never behind a request that has run a while when another process will free up: it goes behind the young one, or waits in the queue', async (t: TestContext) => {
    const lab = await startLab(t, ['--min-instances', '2', '--max-pool-size', '2'])
    await waitFor(async () => (await lab.pool()).sessions.length === 2, 10_000, 'two processes')
    const t0 = Date.now()
    const long = slow(lab.url, 2500, t0)
    await waitFor(async () => (await lab.pool()).sessions.includes(1), 2000, 'the long request to start')
    await sleep(100)
    // Sent together: one runs on the other process, the next is handed ahead to it, not to the long request's.
    const [m, q] = await Promise.all([slow(lab.url, 400, t0), slow(lab.url, 1, t0)])
    // Both processes busy with requests older than the hand-ahead limit: the next one waits in the core's queue and
    // goes to the first process that frees up.
    const medium = slow(lab.url, 400, t0)
    await sleep(100)
    const queued = slow(lab.url, 1, t0)
    const [l, m2, q2] = await Promise.all([long, medium, queued])
    assert.notEqual(m.pid, l.pid)
    assert.equal(q.pid, m.pid, 'the handed-ahead request went behind the young one')
    assert.equal(q2.pid, m2.pid, 'the queued request went to the process that freed first')
    assert.ok(q.doneAt < l.doneAt && q2.doneAt < l.doneAt, `served at ${q.doneAt} and ${q2.doneAt} ms, the long one at ${l.doneAt} ms`)
  })
})
