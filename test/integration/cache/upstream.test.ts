// The turbocache's traffic with the app, each rule shown by real requests through a real Ferry to a real app:
// tmp/restart.txt taking effect on hits, request collapsing. The cache-lab app puts a fresh serial number in every
// body, so a repeated serial means the answer came from the cache; the pool's `processed` counts arrivals at the app.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore, type InProcessCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

const serial = (body: string): number => Number(/serial=(\d+)/.exec(body)?.[1] ?? NaN)
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

interface Lab extends InProcessCore {
  readonly app: string
  cacheStats: () => Promise<Record<string, number>>
  /** Requests the app's processes have finished, all together. */
  processed: () => Promise<number>
}

/** A private copy of cache-lab (tests write tmp/restart.txt into it) under a real Ferry. */
async function cacheLab (t: TestContext, args: string[] = []): Promise<Lab> {
  const registry = tmpDir(t)
  const app = join(tmpDir(t), 'app')
  cpSync(fixtureApp('cache-lab'), app, { recursive: true })
  mkdirSync(join(app, 'tmp'))
  const f = await startCore(t, app, args, { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  const cacheStats = async (): Promise<Record<string, number>> =>
    (JSON.parse((await call('/server.json')).body) as { thread1: { turbocaching: Record<string, number> } }).thread1.turbocaching
  const processed = async (): Promise<number> =>
    (JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ processes: Array<{ processed: number }> }> } })
      .pool.groups.flatMap(g => g.processes).reduce((n, p) => n + p.processed, 0)
  return Object.assign(f, { app, cacheStats, processed })
}

test('tmp/restart.txt takes effect while hits answer: the old entry is not served after the next look', async t => {
  const f = await cacheLab(t, ['--stat-throttle-rate', '1'])
  const first = await get(`${f.url}/public`)
  const hit = await get(`${f.url}/public`)
  assert.equal(serial(hit.body), serial(first.body), 'cached')
  const file = join(f.app, 'tmp', 'restart.txt')
  writeFileSync(file, '')
  const when = new Date(Date.now() + 5000)
  utimesSync(file, when, when)
  // The watcher looks once a second; only hits are asked for meanwhile.
  await sleep(1400)
  const after = await get(`${f.url}/public`)
  assert.equal(after.headers.age, undefined, 'a miss: the restart dropped the entry')
  assert.equal(serial(after.body), 1, 'answered by the new process')
})

test('collapsing: 100 concurrent misses for one cacheable URL reach the app once; the others are served its answer', async t => {
  const f = await cacheLab(t, ['--max-pool-size', '1'])
  await get(`${f.url}/plain`)
  const before = await f.processed()
  // The app takes 400 ms: every request below arrives while the first is at the app.
  const url = `${f.url}/slow?ms=400`
  const replies = await Promise.all(Array.from({ length: 100 }, async (_, i) => await get(url, { method: i % 10 === 9 ? 'HEAD' : 'GET' })))
  assert.equal(await f.processed(), before + 1, 'one request reached the app')
  const gets = replies.filter((_, i) => i % 10 !== 9)
  const first = gets[0]!.body
  for (const r of gets) {
    assert.equal(r.status, 200)
    assert.equal(r.body, first, 'every GET got the one answer')
  }
  const heads = replies.filter((_, i) => i % 10 === 9)
  for (const r of heads) {
    assert.equal(r.status, 200)
    assert.equal(r.body, '', 'a HEAD that waited gets no body')
    assert.equal(r.headers['content-length'], String(Buffer.byteLength(first)))
  }
  // Those that waited are answered from the store: with an Age, as any hit.
  assert.equal(replies.filter(r => r.headers.age !== undefined).length, 99)
  const s = await f.cacheStats()
  assert.equal(s.collapsed, 99)
  assert.equal(s.fetches, 101, 'each request looked up once (and /plain)')
  assert.equal(s.store_successes, 1)
})

test('collapsing: concurrent misses for an uncacheable URL all reach the app, each gets its own answer', async t => {
  const f = await cacheLab(t, ['--max-pool-size', '1'])
  await get(`${f.url}/plain`)
  const before = await f.processed()
  const replies = await Promise.all(Array.from({ length: 20 }, async () => await get(`${f.url}/slow-plain?ms=300`)))
  assert.equal(await f.processed(), before + 20)
  for (const r of replies) assert.equal(r.status, 200)
  assert.equal(new Set(replies.map(r => serial(r.body))).size, 20, 'twenty different answers')
  assert.equal(replies.filter(r => r.headers.age !== undefined).length, 0)
})

test('collapsing: when the leader\'s client leaves, those waiting go to the app themselves', async t => {
  const f = await cacheLab(t, ['--max-pool-size', '1'])
  await get(`${f.url}/plain`)
  const url = `${f.url}/slow?ms=300`
  const leader = new AbortController()
  const led = get(url, { signal: leader.signal }).then(() => 'answered', () => 'aborted')
  await sleep(100)
  const followers = Array.from({ length: 5 }, async () => await get(url))
  await sleep(100)
  leader.abort()
  assert.equal(await led, 'aborted')
  const replies = await Promise.all(followers)
  for (const r of replies) {
    assert.equal(r.status, 200)
    assert.match(r.body, /serial=\d+/)
  }
})
