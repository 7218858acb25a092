// Out-of-band work in bypass mode, with real processes under load: a process asked for work (by its app's
// X-Ferry-OOB-Work header, or every N requests) stops accepting, finishes its requests, does the work and accepts
// again; the other keeps serving, no request is lost or meets the work, and the status view shows it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { get as httpGet } from 'node:http'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry, readyCount } from '../../helpers/ferry.js'
import { get } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'
import { startLoad } from '../../helpers/load.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

/** Every work interval of every process, from the files the fixture writes (one per process). */
function workSpans (dir: string): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = []
  for (const name of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, name), 'utf8').trim().split('\n')) {
      const [start, end] = line.split(' ').map(Number) as [number, number]
      out.push([Number(name), start, end])
    }
  }
  return out.sort((a, b) => a[1] - b[1])
}

/** One request on a connection of its own, so that either process may accept it (a kept one stays with its process). */
function askOnNewConnection (url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, res => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) }).on('error', reject)
  })
}

test('bypass: out-of-band work with requests in flight: one process out at a time, none lost, status shows it', async t => {
  const logDir = tmpDir(t)
  chmodSync(logDir, 0o777)
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('lifecycle-lab'), [
    '--bypass', '--min-instances', '2', '--instance-registry-dir', registry,
    '--envvar', 'OOB_WORK_MS=300', '--envvar', `OOB_LOG_DIR=${logDir}`
  ])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two processes')
  const call = adminClient(t, instanceDirIn(registry))
  const load = startLoad(`${f.url}/slow?ms=5`, 4)
  let seenInStatus = false
  const deadline = Date.now() + 3000
  while (Date.now() < deadline) {
    // The app asks with its response header; the process passes it on to the core, which decides when.
    assert.equal(await askOnNewConnection(`${f.url}/oob`), 200)
    if ((await call('/pool.txt')).body.includes('Doing out-of-band work...')) seenInStatus = true
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  const result = await load.stop()
  assert.deepEqual(result.failures, [], 'no request failed')
  assert.equal(result.replies.filter(r => r.body.oobRunning === true).length, 0, 'no request met a process doing its work')
  const spans = workSpans(logDir)
  assert.equal(new Set(spans.map(s => s[0])).size, 2, `both processes did work: ${JSON.stringify(spans)}`)
  for (let i = 1; i < spans.length; i++) {
    assert.ok(spans[i]![1] >= spans[i - 1]![2], `never both out at once: ${JSON.stringify(spans[i - 1])} and ${JSON.stringify(spans[i])}`)
  }
  // The other process kept serving while one worked.
  for (const [, start, end] of spans) {
    assert.ok(result.replies.some(r => r.at > start + 50 && r.at < end - 50), `no replies during the work ${start}-${end}`)
  }
  assert.ok(seenInStatus, 'ferry status showed a process doing out-of-band work')
})

test('bypass: --oob-work-every N asks for work as the batched counters cross each N', async t => {
  const logDir = tmpDir(t)
  chmodSync(logDir, 0o777)
  const f = await startFerry(t, fixtureApp('lifecycle-lab'), [
    '--bypass', '--oob-work-every', '5', '--max-pool-size', '1', '--envvar', 'OOB_WORK_MS=10', '--envvar', `OOB_LOG_DIR=${logDir}`
  ])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the process')
  for (let i = 0; i < 5; i++) assert.equal((await get(`${f.url}/`)).status, 200)
  await waitFor(() => workSpans(logDir).length === 1, 5000, 'work after 5 requests')
  // It accepts again afterwards (it got the listening socket back).
  for (let i = 0; i < 5; i++) assert.equal((await get(`${f.url}/`)).status, 200)
  await waitFor(() => workSpans(logDir).length === 2, 5000, 'work after 10 requests')
})

test('bypass: a process retired while out for out-of-band work still finishes the request it has', async t => {
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('lifecycle-lab'), ['--bypass', '--max-pool-size', '1', '--instance-registry-dir', registry, '--envvar', 'OOB_WORK_MS=10'])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the process')
  const call = adminClient(t, instanceDirIn(registry))
  const slow = get(`${f.url}/slow?ms=2500`)
  await new Promise(resolve => setTimeout(resolve, 200))
  // The process stops accepting for its work and waits for the slow request; then a restart retires it.
  assert.equal(await askOnNewConnection(`${f.url}/oob`), 200)
  await new Promise(resolve => setTimeout(resolve, 300))
  const root = (JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ name: string }> } }).pool.groups[0]!.name
  const restarted = await call('/pool/restart_app_group.json', { method: 'POST', account: 'admin', body: JSON.stringify({ name: root }) })
  assert.equal(restarted.status, 200, restarted.body)
  const r = await slow
  assert.equal(r.status, 200, 'the request in flight was answered')
  assert.equal((await get(`${f.url}/`)).status, 200, 'and the new process serves')
})

test('bypass: the app asks for out-of-band work whichever way it sets the field, and only with the value true', async t => {
  const logDir = tmpDir(t)
  chmodSync(logDir, 0o777)
  const f = await startFerry(t, fixtureApp('lifecycle-lab'), [
    '--bypass', '--max-pool-size', '1', '--envvar', 'OOB_WORK_MS=10', '--envvar', `OOB_LOG_DIR=${logDir}`
  ])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the process')
  const works = (): number => workSpans(logDir).length
  for (const how of ['false', 'upper-case-value', 'in-another-field', 'in-the-body', 'unique-joined', 'cyclic-array', 'true-then-false', 'walked-once']) {
    assert.equal((await get(`${f.url}/oob-via?how=${how}`)).status, 200, how)
  }
  assert.equal((await get(`${f.url}/oob-via?how=refused-head`)).status, 500)
  // Had one of those asked, its work would come before this one's (each ask is sent as its answer ends).
  assert.equal((await get(`${f.url}/oob-via?how=setHeader`)).status, 200)
  await waitFor(() => works() >= 1, 5000, 'work for setHeader')
  await new Promise(resolve => setTimeout(resolve, 300))
  assert.equal(works(), 1, 'the answers that do not ask asked for none')
  const asking = ['appendHeader', 'setHeaders', 'setHeader-then-writeHead', 'flat-array', 'nested-array', 'array-like-entry', 'array-value', 'boolean', 'false-then-true']
  for (const [i, how] of asking.entries()) {
    assert.equal((await get(`${f.url}/oob-via?how=${how}`)).status, 200, how)
    await waitFor(() => works() === i + 2, 5000, `work for ${how}`)
  }
})
