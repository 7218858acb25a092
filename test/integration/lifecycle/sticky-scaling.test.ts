// Sticky sessions and growth under load, with real processes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { readyCount } from '../../helpers/ferry.js'
import { startCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'
import { childPids, isAlive, waitFor } from '../../helpers/procs.js'
import { startLoad } from '../../helpers/load.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

function routeCookie (setCookie: string | string[] | undefined): string {
  const value = Array.isArray(setCookie) ? setCookie[0] : setCookie
  const m = /^(_ferry_route=[^;]+);/.exec(value ?? '')
  assert.ok(m !== null, `Set-Cookie was ${String(value)}`)
  return m[1]!
}

test('sticky sessions: a client comes back to its process; a cookie for a gone process picks another', async t => {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('lifecycle-lab'), ['--sticky-sessions', '--min-instances', '2', '--instance-registry-dir', registry])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two processes')
  const first = await get(`${f.url}/slow?ms=200`)
  const cookie = routeCookie(first.headers['set-cookie'])
  const pid = JSON.parse(first.body).pid as number
  // Concurrent requests would spread over both processes by least-busy; with the cookie they all go to one.
  const replies = await Promise.all(Array.from({ length: 6 }, () => get(`${f.url}/slow?ms=200`, { headers: { cookie: `a=1; ${cookie}; b=2` } })))
  for (const r of replies) {
    assert.equal(JSON.parse(r.body).pid, pid)
    assert.equal(r.headers['set-cookie'], undefined, 'no new cookie while the process lives')
  }
  const anonymous = await Promise.all(Array.from({ length: 4 }, () => get(`${f.url}/slow?ms=200`)))
  assert.equal(new Set(anonymous.map(r => JSON.parse(r.body).pid)).size, 2, 'without the cookie, least busy as usual')
  // The process goes away: the next request with its cookie is served by another and told so.
  const call = adminClient(t, instanceDirIn(registry))
  const detached = await call('/pool/detach_process.json', { method: 'POST', account: 'admin', body: JSON.stringify({ pid }) })
  assert.equal(detached.status, 200)
  await waitFor(() => !isAlive(pid), 10_000, 'the detached process to stop')
  const moved = await get(`${f.url}/`, { headers: { cookie } })
  assert.notEqual(JSON.parse(moved.body).pid, pid)
  assert.notEqual(routeCookie(moved.headers['set-cookie']), cookie)
})

// Whether growing raises throughput is a rate, which a busy machine moves: `node dist/bench/growth.js` measures it.
test('growth under CPU-bound load: the group grows to the pool size, all of it serves, then it shrinks back', async t => {
  const f = await startCore(t, fixtureApp('lifecycle-lab'), ['--max-pool-size', '3', '--pool-idle-time', '2'])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the first process')
  const load = startLoad(`${f.url}/cpu?ms=20`, 6)
  await waitFor(() => childPids(f.corePid).length === 3, 20_000, 'the group to grow to the pool size')
  await waitFor(() => readyCount(f) === 3, 15_000, 'the new processes to be ready')
  // Until each new process has answered: least-busy balancing sends it requests as soon as it is ready.
  await waitFor(() => load.servedBy().length === 3, 15_000, 'all three processes to serve')
  const result = await load.stop()
  assert.deepEqual(result.failures, [])
  assert.equal(result.pids.length, 3, 'all three processes served')
  assert.ok(childPids(f.corePid).length <= 3, 'never above the pool size')
  await waitFor(() => childPids(f.corePid).length === 1, 15_000, 'back to min-instances after the idle time')
})

test('growth is off with --saturation-elu 0: a Node app stays at one process under the same load', async t => {
  const f = await startCore(t, fixtureApp('lifecycle-lab'), ['--max-pool-size', '3', '--saturation-elu', '0'])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the first process')
  const load = startLoad(`${f.url}/cpu?ms=20`, 6)
  await sleep(3000)
  const result = await load.stop()
  assert.deepEqual(result.failures, [])
  assert.equal(result.pids.length, 1)
  assert.equal(childPids(f.corePid).length, 1)
})

test('a full pool queues rather than refuses, up to the queue limit; then 503', async t => {
  const f = await startCore(t, fixtureApp('lifecycle-lab'), ['--concurrency', '1', '--max-pool-size', '2', '--min-instances', '2', '--max-request-queue-size', '3'])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two processes')
  const replies = await Promise.all(Array.from({ length: 7 }, () => get(`${f.url}/slow?ms=600`)))
  const statuses = replies.map(r => r.status).sort()
  // Two in the processes, three waiting in the queue (served as processes free up), two refused.
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 503, 503])
  assert.equal(childPids(f.corePid).length, 2, 'never past the pool size')
})
