import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp } from '../../helpers/tmp.js'
import { readyCount, logged } from '../../helpers/ferry.js'
import { startCore } from '../../helpers/core.js'
import { get, getJson } from '../../helpers/http.js'
import { childPids, isAlive, waitFor } from '../../helpers/procs.js'

const slow = async (url: string, ms: number): Promise<number> => (await getJson<{ pid: number }>(`${url}/slow?ms=${ms}`)).pid

test('least busy: concurrent requests spread evenly over the processes', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--min-instances', '2'])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two ready app processes')
  const pids = await Promise.all(Array.from({ length: 6 }, () => slow(f.url, 600)))
  const counts = new Map<number, number>()
  for (const p of pids) counts.set(p, (counts.get(p) ?? 0) + 1)
  assert.deepEqual([...counts.values()].sort(), [3, 3], `spread was ${JSON.stringify([...counts])}`)
})

test('a full queue answers 503 with an explanation; the rest are served', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--concurrency', '1', '--max-pool-size', '1', '--max-request-queue-size', '2'])
  const results = await Promise.all(Array.from({ length: 5 }, () => get(`${f.url}/slow?ms=400`)))
  const statuses = results.map(r => r.status).sort()
  assert.deepEqual(statuses, [200, 200, 200, 503, 503])
  const refused = results.find(r => r.status === 503)!
  assert.match(refused.body, /heavy load \(queue full\)/)
  assert.match(String(refused.headers['cache-control']), /no-store/)
  assert.equal(refused.headers['retry-after'], '5', 'a 503 says when to try again')
  await logged(f, /request queue of .* is full/)
})

test('concurrency 1: the pool spawns more processes under load, then idles back to min-instances', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--concurrency', '1', '--max-pool-size', '3', '--pool-idle-time', '1'])
  await waitFor(() => childPids(f.corePid).length === 1, 15_000, 'the first process')
  const pids = new Set(await Promise.all(Array.from({ length: 6 }, () => slow(f.url, 700))))
  assert.ok(pids.size >= 2, `load was served by ${pids.size} process(es)`)
  assert.ok(childPids(f.corePid).length <= 3, 'never above the pool size')
  await waitFor(() => childPids(f.corePid).length === 1, 15_000, 'idle processes to stop')
})

test('SIGKILL of an app process mid-request: 502 for that request only, and the pool recovers', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--min-instances', '2'])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two ready app processes')
  const victim = (await getJson<{ pid: number }>(`${f.url}/pid`)).pid // ties go to the oldest process
  const doomed = get(`${f.url}/slow?ms=3000`) // to the victim (oldest, idle)
  const survivor = get(`${f.url}/slow?ms=1000`) // to the other process
  await new Promise(resolve => setTimeout(resolve, 300))
  process.kill(victim, 'SIGKILL')
  const [d, s] = await Promise.all([doomed, survivor])
  assert.equal(d.status, 502)
  assert.match(d.body, /Incomplete response/)
  assert.equal(s.status, 200)
  assert.notEqual((JSON.parse(s.body) as { pid: number }).pid, victim)
  await waitFor(() => childPids(f.corePid).length === 2 && !childPids(f.corePid).includes(victim), 15_000, 'respawn to min-instances')
  assert.equal(isAlive(victim), false)
  assert.equal((await get(`${f.url}/pid`)).status, 200)
})

test('kill -9 of an app process under load fails at most the requests it had in flight', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--min-instances', '2'])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two ready app processes')
  const [victim] = childPids(f.corePid)
  const CLIENTS = 4
  let killed = false
  let failures = 0
  let afterKill = 0
  const client = async (): Promise<void> => {
    // Bounded by count, not time: the loop ends on its own however slow the machine is.
    for (let i = 0; i < 400 && afterKill < 300; i++) {
      const r = await get(`${f.url}/pid`)
      if (killed) afterKill++
      if (r.status !== 200) failures++
    }
  }
  const load = Array.from({ length: CLIENTS }, client)
  await new Promise(resolve => setTimeout(resolve, 200))
  process.kill(victim!, 'SIGKILL')
  killed = true
  await Promise.all(load)
  assert.ok(afterKill > 0, 'requests were made after the kill')
  // Each client has one request in flight at a time: only those can have been on the process when it died.
  assert.ok(failures <= CLIENTS, `${failures} requests failed (at most ${CLIENTS} were in flight)`)
})

test('a process whose socket is gone leaves rotation at once; requests go to another and none fails', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--min-instances', '2'])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two ready app processes')
  const gone = (await getJson<{ pid: number }>(`${f.url}/close-server`)).pid
  // server.close() also closes the process's idle keep-alive connections: a request racing that close on one of
  // them may have been delivered, and is not sent elsewhere. Past it, every request finds the socket gone.
  await new Promise(resolve => setTimeout(resolve, 300))
  const statuses: number[] = []
  const pids = new Set<number>()
  for (let i = 0; i < 20; i++) {
    const r = await get(`${f.url}/pid`)
    statuses.push(r.status)
    if (r.status === 200) pids.add((JSON.parse(r.body) as { pid: number }).pid)
  }
  assert.deepEqual(statuses, Array(20).fill(200))
  assert.equal(pids.has(gone), false)
  await waitFor(() => !isAlive(gone), 10_000, 'the unreachable process to be stopped')
  await logged(f, new RegExp(`replacing app process ${gone} .*refused a connection`))
})
