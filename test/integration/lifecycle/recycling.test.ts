// Recycling with real processes: --max-requests under load, --memory-limit with an app that allocates on demand,
// --max-request-time with an app that hangs, and the out-of-band header never reaching the client.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp } from '../../helpers/tmp.js'
import { readyCount, logged } from '../../helpers/ferry.js'
import { startCore } from '../../helpers/core.js'
import { get, getJson } from '../../helpers/http.js'
import { isAlive, waitFor } from '../../helpers/procs.js'
import { startLoad } from '../../helpers/load.js'

const pidOf = async (url: string): Promise<number> => (await getJson<{ pid: number }>(url)).pid

test('max-requests: processes are replaced after N requests, under load, without a failed request', async t => {
  const f = await startCore(t, fixtureApp('lifecycle-lab'), ['--max-requests', '40', '--min-instances', '2'])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two processes')
  const load = startLoad(`${f.url}/slow?ms=5`, 4)
  await waitFor(() => load.count() >= 400, 30_000, '400 requests')
  const result = await load.stop()
  assert.deepEqual(result.failures, [])
  // 400 requests at 40 per process need 10 processes over time, fewer when the last one serving runs over (below).
  assert.ok(result.pids.length >= 4, `served by ${result.pids.length} processes`)
  const perPid = new Map<number, number>()
  for (const r of result.replies) perPid.set(r.body.pid as number, (perPid.get(r.body.pid as number) ?? 0) + 1)
  // Replaced at the limit, never before. A process at its limit leaves at once when another can serve; when it is
  // the last one serving it goes on until its replacement is ready (no visitor waits), so it may serve more.
  const replaced = [...perPid].filter(([pid]) => new RegExp(`replacing app process ${pid} `).test(f.output()))
  assert.ok(replaced.length >= 3, `${replaced.length} processes replaced`)
  for (const [pid, n] of replaced) assert.ok(n >= 40, `process ${pid} was replaced after only ${n} requests`)
  const mean = replaced.reduce((sum, [, n]) => sum + n, 0) / replaced.length
  assert.ok(mean <= 100, `replaced processes served ${mean} requests on average`)
  await logged(f, /replacing app process \d+ of .*: it served \d+ requests \(--max-requests\)/)
})

test('memory-limit: a process that grows past the limit is replaced after its current request', async t => {
  const f = await startCore(t, fixtureApp('lifecycle-lab'), ['--memory-limit', '120'])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the first process')
  const before = await pidOf(f.url)
  const grown = await getJson<{ pid: number, retainedMb: number }>(`${f.url}/alloc?mb=150`)
  assert.equal(grown.pid, before)
  await waitFor(() => /over the 120 MB limit/.test(f.output()), 15_000, 'the limit to be noticed')
  await waitFor(() => !isAlive(before), 15_000, 'the old process to stop')
  const after = await pidOf(f.url)
  assert.notEqual(after, before)
  await logged(f, new RegExp(`app process ${before} of .* uses \\d+ MB of private memory, over the 120 MB limit`))
})

test('max-request-time: a hanging request gets 504, its process is killed and replaced, others are served', async t => {
  const f = await startCore(t, fixtureApp('lifecycle-lab'), ['--max-request-time', '1', '--min-instances', '2'])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two processes')
  const started = Date.now()
  const hung = get(`${f.url}/hang`)
  await new Promise(resolve => setTimeout(resolve, 100))
  const meanwhile = await getJson<{ pid: number }>(`${f.url}/slow?ms=10`)
  const reply = await hung
  const took = Date.now() - started
  assert.equal(reply.status, 504)
  assert.match(reply.body, /did not answer in time/)
  assert.ok(took >= 1000 && took < 3500, `answered after ${took} ms`)
  // The log is written in the background: the 504 may reach the client before its line reaches the terminal.
  await waitFor(() => /replacing app process \d+ of .*: a request timed out \(--max-request-time\)/.test(f.output()), 5_000, 'the timeout to be logged')
  const stuck = Number(/no response from app process (\d+)/.exec(f.output())?.[1])
  assert.ok(stuck > 0, 'the stuck process is named in the log')
  assert.notEqual(stuck, meanwhile.pid, 'the other request went to the other process')
  await waitFor(() => !isAlive(stuck), 5_000, 'the stuck process to be killed')
  await logged(f, /replacing app process \d+ of .*: a request timed out \(--max-request-time\)/)
  await waitFor(() => readyCount(f) === 3, 15_000, 'a replacement')
  const r = await get(`${f.url}/`)
  assert.equal(r.status, 200)
})

test('the X-Ferry-OOB-Work header is for Ferry only: the client never sees it', async t => {
  const f = await startCore(t, fixtureApp('lifecycle-lab'))
  const r = await get(`${f.url}/oob`)
  assert.equal(r.status, 200)
  assert.equal(r.headers['x-ferry-oob-work'], undefined)
})
