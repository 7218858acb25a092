// Nothing is held for a client that has gone: its queued requests never reach the app, its requests in an app are
// aborted there at once (the app's request sees 'aborted'/'close') and their sessions freed, and the admin API never
// lists them. Checked on both fronts: plain GETs are read by the lean front, anything else by node's HTTP server.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore, type InProcessCore } from '../../helpers/core.js'
import { get, getJson } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { waitFor } from '../../helpers/procs.js'

interface AppState { started: number, paths: string[], open: string[], aborted: string[] }
interface Listed { path: string, state: string }

interface Probes {
  f: InProcessCore
  /** The requests the admin API lists. */
  listed: () => Promise<Listed[]>
  /** The front's count of requests in progress. */
  active: () => Promise<number>
  /** Sessions checked out, all processes together. */
  sessions: () => Promise<number>
  /** What the app saw (a request itself: with --concurrency 1 it waits for a free session). */
  app: () => Promise<AppState>
}

async function start (t: TestContext, args: readonly string[]): Promise<Probes> {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('exchange-lab'), args, { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  return {
    f,
    listed: async () => (JSON.parse((await call('/requests.json')).body) as { requests: Listed[] }).requests,
    active: async () => (JSON.parse((await call('/server.json')).body) as { thread1: { active_request_count: number } }).thread1.active_request_count,
    sessions: async () => {
      const { pool } = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ processes: Array<{ sessions: number }> }> } }
      return pool.groups.flatMap(g => g.processes).reduce((n, p) => n + p.sessions, 0)
    },
    app: async () => await getJson<AppState>(`${f.url}/stats`)
  }
}

/** A raw client connection that writes `payload` and is left open until the test destroys it. */
async function rawClient (t: TestContext, url: string, payload: string): Promise<Socket> {
  const { hostname, port } = new URL(url)
  const s = connect(Number(port), hostname)
  s.on('error', () => {})
  t.after(() => s.destroy())
  await new Promise(resolve => s.once('connect', resolve))
  s.write(payload)
  return s
}

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`
const POST = (path: string): string => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`

test('pipelined requests behind one in flight wait for their turn, and are forgotten when their client goes; a stop does not wait for them', async t => {
  const { f, listed, active, app } = await start(t, ['--max-pool-size', '1'])
  const clients = 20
  const sockets: Socket[] = []
  // POST: node's HTTP server reads the connection and hands over the pipelined GET at once; Ferry serves it only
  // once the POST's response is done (one request at a time per connection), so it never reaches the app here.
  for (let i = 0; i < clients; i++) sockets.push(await rawClient(t, f.url, POST(`/hang?first=${i}`) + GET(`/hang?second=${i}`)))
  await waitFor(async () => (await app()).started === clients, 10_000, 'every first request to reach the app')
  for (const s of sockets) s.destroy()
  await waitFor(async () => (await listed()).length === 0, 5_000, 'the admin API to list no request')
  assert.equal(await active(), 0)
  await waitFor(async () => (await app()).open.length === 0, 5_000, 'the app to see every request aborted')
  assert.equal((await app()).aborted.length, clients)
  assert.equal((await app()).started, clients, 'no pipelined request reached the app after its client left')
  const stopping = Date.now()
  assert.equal(await f.stop(), 0)
  // The stop waits up to 30 s for requests in flight; none is left, so it is quick.
  assert.ok(Date.now() - stopping < 10_000, `the stop took ${Date.now() - stopping} ms`)
})

test('a queued request whose client left is never sent to the app, on either front', async t => {
  const { f, listed, app } = await start(t, ['--max-pool-size', '1', '--concurrency', '1'])
  await app()
  const busy = await rawClient(t, f.url, GET('/hang?busy=1'))
  await waitFor(async () => (await listed()).some(r => r.state === 'in app'), 10_000, 'the first request to reach the app')
  const lean = await rawClient(t, f.url, GET('/slow?ms=1&queued=lean'))
  const node = await rawClient(t, f.url, POST('/slow?ms=1&queued=node'))
  await waitFor(async () => (await listed()).filter(r => r.state === 'queued').length === 2, 5_000, 'two queued requests')
  lean.destroy()
  node.destroy()
  await waitFor(async () => (await listed()).filter(r => r.state === 'queued').length === 0, 1_000, 'the queued requests to go')
  // The session is free again once the busy client goes too; what reached the app is then the busy request only.
  busy.destroy()
  assert.equal((await get(`${f.url}/slow?ms=1&after=1`)).status, 200)
  assert.deepEqual((await app()).paths, ['/hang?busy=1', '/slow?ms=1&after=1'])
})

test('a request in the app whose client left is aborted there at once and its session freed, on either front', async t => {
  const { f, listed, sessions, app } = await start(t, ['--max-pool-size', '1', '--concurrency', '1'])
  await app()
  for (const [front, payload] of [['lean', GET('/hang?front=lean')], ['node', POST('/hang?front=node')]] as const) {
    const client = await rawClient(t, f.url, payload)
    await waitFor(async () => (await listed()).some(r => r.state === 'in app'), 10_000, `the ${front} front's request to reach the app`)
    client.destroy()
    await waitFor(async () => await sessions() === 0, 2_000, `the ${front} front's session to be given back`)
    assert.deepEqual(await listed(), [])
    // --concurrency 1: the app is asked only now that the session is free.
    await waitFor(async () => (await app()).aborted.includes(`/hang?front=${front}`), 2_000, `the app to see the ${front} front's request aborted`)
    assert.equal((await get(`${f.url}/slow?ms=1&front=${front}`)).status, 200)
  }
})
