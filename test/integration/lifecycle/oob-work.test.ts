// Out-of-band work with real processes under load: the app asks for it with a response header (or Ferry asks every
// N requests); one process at a time leaves rotation, no request ever meets a process doing the work, and the
// status views show it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { readyCount } from '../../helpers/ferry.js'
import { startCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'
import { startLoad } from '../../helpers/load.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

/** A directory the app processes may write to, whichever user Ferry runs them as. */
function writableDir (t: Parameters<typeof tmpDir>[0]): string {
  const dir = tmpDir(t)
  chmodSync(dir, 0o777)
  return dir
}

/** Every process's work intervals, from the files the fixture writes. */
function workLog (dir: string): Map<number, Array<[number, number]>> {
  const out = new Map<number, Array<[number, number]>>()
  for (const name of readdirSync(dir)) {
    const spans = readFileSync(join(dir, name), 'utf8').trim().split('\n').map(l => l.split(' ').map(Number) as [number, number])
    out.set(Number(name), spans)
  }
  return out
}

test('out-of-band work under load: one process out at a time, no request meets it, status shows it', async t => {
  const logDir = writableDir(t)
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('lifecycle-lab'), [
    '--min-instances', '2', '--instance-registry-dir', registry,
    '--envvar', 'OOB_WORK_MS=600', '--envvar', `OOB_LOG_DIR=${logDir}`
  ])
  await waitFor(() => readyCount(f) === 2, 15_000, 'two processes')
  const call = adminClient(t, instanceDirIn(registry))
  const load = startLoad(`${f.url}/slow?ms=5`, 4)
  let seenInStatus = false
  let asks = 0
  const deadline = Date.now() + 4000
  while (Date.now() < deadline) {
    const r = await get(`${f.url}/oob`)
    assert.equal(r.status, 200)
    asks++
    if ((await call('/pool.txt')).body.includes('Doing out-of-band work...')) seenInStatus = true
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  const result = await load.stop()
  assert.deepEqual(result.failures, [])
  assert.equal(result.replies.filter(r => r.body.oobRunning === true).length, 0, 'no request was served by a process doing its work')
  const log = workLog(logDir)
  assert.equal(log.size, 2, 'both processes did work')
  const spans = [...log.values()].flat().sort((a, b) => a[0] - b[0])
  assert.ok(spans.length >= 4, `${spans.length} rounds of work for ${asks} asks`)
  for (let i = 1; i < spans.length; i++) {
    assert.ok(spans[i]![0] >= spans[i - 1]![1], `work overlapped: ${JSON.stringify(spans[i - 1])} and ${JSON.stringify(spans[i])}`)
  }
  // The other process kept serving while one worked: replies arrived during every span. (The spans are long enough
  // that a busy machine's stall of a few hundred ms does not empty one.)
  for (const [start, end] of spans) {
    const during = result.replies.filter(r => r.at > start + 50 && r.at < end - 50).length
    assert.ok(during > 0, `no replies during work ${start}-${end}`)
  }
  assert.ok(seenInStatus, 'ferry status showed a process doing out-of-band work')
})

test('--oob-work-every N: Ferry asks each process for work after every N requests', async t => {
  const logDir = writableDir(t)
  const f = await startCore(t, fixtureApp('lifecycle-lab'), [
    '--oob-work-every', '5', '--envvar', 'OOB_WORK_MS=10', '--envvar', `OOB_LOG_DIR=${logDir}`,
    // One process: a second one, spawned while the first is away for its work, would take a share of the 20 requests
    // depending on when it became ready, and with it the count of rounds.
    '--max-pool-size', '1'
  ])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the first process')
  for (let i = 0; i < 20; i++) {
    const r = await get(`${f.url}/`)
    assert.equal(r.status, 200)
    assert.equal(JSON.parse(r.body).oobRunning, false)
  }
  await waitFor(() => [...workLog(logDir).values()].flat().length === 4, 5000, 'four rounds of work for 20 requests')
})

test('out-of-band work in an app without a handler: the preload does it (global.gc, exposed here) and reports done', async t => {
  const f = await startCore(t, fixtureApp('hello'), ['--oob-work-every', '2', '--log-level', 'debug', '--envvar', 'NODE_OPTIONS=--expose-gc'])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the first process')
  for (let i = 0; i < 4; i++) assert.equal((await get(`${f.url}/`)).status, 200)
  await waitFor(() => (f.output().match(/out-of-band work done/g)?.length ?? 0) === 2, 5000, 'two rounds of work reported done')
  assert.doesNotMatch(f.output(), /did not finish its out-of-band work/)
})
