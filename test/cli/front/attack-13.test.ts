// Reproductions from a hostile review of issue 13 as merged (upgrades, departures, pipelining) against a real Ferry:
// each failed before its fix.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { startFerry, type RunningFerry } from '../../helpers/ferry.js'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { getJson } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Opens a connection to `url`, sends `payload`, and resolves the socket with what came back so far once `until` matches it. */
async function open (t: TestContext, url: string, payload: string, until: RegExp): Promise<Socket> {
  const { hostname, port } = new URL(url)
  const s = connect(Number(port), hostname)
  t.after(() => { s.destroy() })
  s.on('error', () => {})
  s.setEncoding('latin1')
  let seen = ''
  s.write(payload, 'latin1')
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no ${String(until)} within 10 s: ${JSON.stringify(seen)}`)) }, 10_000)
    s.on('data', (d: string) => {
      seen += d
      if (until.test(seen)) { clearTimeout(timer); resolve() }
    })
  })
  return s
}

/** A graceful stop may wait for what these tests leave in flight: the watchdog's SIGTERM, then the core's, force it. */
async function forceStop (f: RunningFerry): Promise<void> {
  f.proc.kill('SIGTERM')
  for (let i = 0; i < 2; i++) {
    await sleep(200)
    try { process.kill(f.corePid, 'SIGTERM') } catch { /* it has already exited */ }
  }
}

test('a client cannot grow the pool past --max-pool-size by opening a WebSocket on each process it gets recycled', async t => {
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('upgrade-lab'), ['--max-pool-size', '1', '--max-requests', '2'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  try {
    for (let cycle = 0; cycle < 4; cycle++) {
      await open(t, f.url, 'GET /ws HTTP/1.1\r\nHost: a.test\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\n', /"pid":\d+/)
      for (let i = 0; i < 2; i++) await getJson(f.url + '/open')
    }
    const { pool } = JSON.parse((await call('/pool.json')).body) as { pool: { process_count: number } }
    // Four WebSockets from one client: whatever the cap on processes kept for their tunnels, it is not "one more per
    // recycling" (an attacker repeats this every second for 300 s: hundreds of app processes).
    assert.ok(pool.process_count <= 2, `${pool.process_count} app processes with --max-pool-size 1`)
  } finally {
    await forceStop(f)
  }
})

test('pipelined requests with unsafe methods reach the app one at a time, in order (RFC 9112 §9.3.2)', async t => {
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('proxy-lab'), ['--max-pool-size', '1'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  try {
    const post = 'POST /slow?ms=3000 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 0\r\n\r\n'
    const { hostname, port } = new URL(f.url)
    const s = connect(Number(port), hostname)
    t.after(() => { s.destroy() })
    s.on('error', () => {})
    s.write(post.repeat(5) + 'DELETE /slow?ms=1 HTTP/1.1\r\nHost: a.test\r\n\r\n')
    await sleep(1000)
    const { requests } = JSON.parse((await call('/requests.json')).body) as { requests: Array<{ method: string, path: string }> }
    assert.equal(requests.length, 1, `in flight from one connection: ${requests.map(r => `${r.method} ${r.path}`).join(', ')}`)
    assert.equal((await getJson<Record<string, number>>(f.url + '/arrivals'))['DELETE /slow'], undefined, 'the DELETE waits for the POSTs before it')
  } finally {
    await forceStop(f)
  }
})

test('one connection that pipelines downloads and reads nothing stays within --response-buffer-budget', async t => {
  const registry = tmpDir(t)
  const budget = 4 * 1024 * 1024
  const f = await startFerry(t, fixtureApp('proxy-lab'), ['--max-pool-size', '1', '--response-buffer-budget', String(budget)], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  try {
    const { hostname, port } = new URL(f.url)
    const s = connect(Number(port), hostname)
    t.after(() => { s.destroy() })
    s.on('error', () => {})
    s.pause()
    // Content-Length: 0 takes them to node's parser, which hands over every pipelined request at once.
    s.write('GET /download?mb=4 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 0\r\n\r\n'.repeat(300))
    let held = 0
    for (let i = 0; i < 20; i++) {
      await sleep(250)
      const server = JSON.parse((await call('/server.json')).body) as { thread1: { response_buffer_bytes: number } }
      held = Math.max(held, server.thread1.response_buffer_bytes)
    }
    assert.ok(held <= 2 * budget, `${(held / 1048576).toFixed(1)} MiB held for one client with a ${budget / 1048576} MiB budget`)
  } finally {
    await forceStop(f)
  }
})
