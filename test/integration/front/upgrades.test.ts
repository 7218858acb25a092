// Upgrade requests (WebSocket handshakes) through a real Ferry to a real app that does the handshake with node's raw
// 'upgrade' event: routed, queued and rewritten like any request; only a 101 makes a tunnel; an unanswered upgrade
// times out; a client that leaves takes the app side with it; open tunnels never stop a restart.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { readyCount } from '../../helpers/ferry.js'
import { flyCore, startCore } from '../../helpers/core.js'
import { get, getJson } from '../../helpers/http.js'
import { isAlive, waitFor } from '../../helpers/procs.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

const APP = fixtureApp('upgrade-lab')

/** A raw client connection: what it sends is written as is, what it gets is collected. */
class RawClient {
  readonly socket: Socket
  got = ''
  closed = false

  constructor (t: TestContext, where: string) {
    const url = where.startsWith('http') ? new URL(where) : undefined
    this.socket = url === undefined ? connect(where) : connect(Number(url.port), url.hostname)
    this.socket.setEncoding('latin1')
    this.socket.on('data', (d: string) => { this.got += d })
    this.socket.on('error', () => {})
    this.socket.on('close', () => { this.closed = true })
    t.after(() => this.socket.destroy())
  }

  send (text: string): void { this.socket.write(text) }

  async until (pred: (got: string) => boolean, what: string, ms = 10_000): Promise<string> {
    await waitFor(() => pred(this.got) || this.closed, ms, what)
    if (!pred(this.got)) throw new Error(`closed before ${what}; got ${JSON.stringify(this.got)}`)
    return this.got
  }

  /** Everything received so far, and starts collecting afresh. */
  take (): string {
    const got = this.got
    this.got = ''
    return got
  }

  /** One whole response with a Content-Length, taken off what was received. */
  async response (what: string): Promise<{ head: string, body: string }> {
    const got = await this.until(g => {
      const end = g.indexOf('\r\n\r\n')
      const length = /\r\ncontent-length: (\d+)/i.exec(g.slice(0, end))
      return end >= 0 && length !== null && g.length >= end + 4 + Number(length[1])
    }, what)
    const end = got.indexOf('\r\n\r\n')
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(got.slice(0, end))![1])
    this.got = got.slice(end + 4 + length)
    return { head: got.slice(0, end), body: got.slice(end + 4, end + 4 + length) }
  }
}

const upgradeRequest = (path: string, extra = ''): string =>
  `GET ${path} HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n${extra}\r\n`

/** Opens a tunnel and returns the client and what the app says it received (its first line). */
async function openTunnel (t: TestContext, where: string, path = '/ws', extra = ''): Promise<{ c: RawClient, seen: { pid: number, headers: Record<string, string> } }> {
  const c = new RawClient(t, where)
  c.send(upgradeRequest(path, extra))
  const got = await c.until(g => /\r\n\r\n.*\n/s.test(g), 'the 101 and the app\'s first line')
  assert.match(got, /^HTTP\/1\.1 101 /)
  const end = got.indexOf('\r\n\r\n')
  const line = got.slice(end + 4, got.indexOf('\n', end + 4))
  c.got = got.slice(end + 4 + line.length + 1)
  return { c, seen: JSON.parse(line) as { pid: number, headers: Record<string, string> } }
}

async function echoes (c: RawClient, text: string): Promise<void> {
  c.take()
  c.send(text)
  await c.until(g => g === text, `the echo of ${text}`)
}

const SPOOFED = 'X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.test\r\nX-Forwarded-Prefix: /evil\r\n'

test('a 101 makes a tunnel both ways; the upgrade is routed and reaches the app with the headers any request gets, plus Upgrade', async t => {
  const f = await startCore(t, APP)
  const { c, seen } = await openTunnel(t, f.url, '/ws', SPOOFED)
  assert.equal(seen.headers.upgrade, 'echo')
  assert.equal(seen.headers.connection, 'upgrade')
  assert.equal(seen.headers['x-forwarded-proto'], 'http', 'set by Ferry, not the client')
  assert.equal(seen.headers['x-forwarded-host'], 'app.test')
  assert.equal(seen.headers['x-forwarded-prefix'], undefined)
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'the peer, not what the client claimed')
  await echoes(c, 'ping over the tunnel')
  await echoes(c, 'x'.repeat(200_000))
  // Checked like any request: two Host headers are refused, and the connection closes.
  const twoHosts = new RawClient(t, f.url)
  twoHosts.send(upgradeRequest('/ws', 'Host: other.test\r\n'))
  assert.match((await twoHosts.response('the refusal of two Hosts')).head, /^HTTP\/1\.1 400 /)
  await waitFor(() => twoHosts.closed, 5_000, 'the connection to close')
  // Routed like any request: X-Ferry-App-Root is refused on TCP, and the connection carries on.
  const named = new RawClient(t, f.url)
  named.send(upgradeRequest('/ws', 'X-Ferry-App-Root: /etc\r\n'))
  assert.match((await named.response('the refusal')).head, /^HTTP\/1\.1 400 /)
  named.send('GET /next HTTP/1.1\r\nHost: app.test\r\n\r\n')
  const next = await named.response('the next request')
  assert.match(next.head, /^HTTP\/1\.1 200 /)
  assert.equal((JSON.parse(next.body) as { url: string }).url, '/next')
})

test('an upgrade named by a trusted front server reaches that app without the X-Ferry-* headers, with its trusted X-Forwarded-Proto', async t => {
  const dir = tmpDir(t)
  const app = join(dir, 'app')
  cpSync(APP, app, { recursive: true })
  const socket = join(dir, 'ferry.sock')
  await flyCore(t, socket, ['--trust-front-headers', '--trust-proxy', 'unix'])
  const { c, seen } = await openTunnel(t, socket, '/ws', `X-Ferry-App-Root: ${app}\r\nX-Ferry-App-Env: development\r\nX-Forwarded-Proto: https\r\n`)
  assert.deepEqual(Object.keys(seen.headers).filter(h => h.startsWith('x-ferry-')), [])
  assert.equal(seen.headers['x-forwarded-proto'], 'https', 'kept from a trusted peer, as for any request')
  await echoes(c, 'named')
})

for (const [what, args, path] of [
  ['an app that answers the upgrade with 403', [], '/refuse'],
  ['an HTTP-only app (no upgrade listener: node answers 200)', ['--envvar', 'UPGRADES=off'], '/ws']
] as const) {
  test(`a non-101 answer is an ordinary response and the connection stays with Ferry: ${what}`, async t => {
    const f = await startCore(t, APP, [...args])
    const c = new RawClient(t, f.url)
    c.send(upgradeRequest(path))
    const first = await c.response('the answer to the upgrade')
    assert.doesNotMatch(first.head, /^HTTP\/1\.1 101 /)
    // The next request on the connection is processed like any: forwarded headers are Ferry's, not the client's.
    c.send(`GET /second HTTP/1.1\r\nHost: app.test\r\n${SPOOFED}\r\n`)
    const second = await c.response('the second request')
    assert.match(second.head, /^HTTP\/1\.1 200 /)
    const seen = JSON.parse(second.body) as { url: string, headers: Record<string, string> }
    assert.equal(seen.url, '/second')
    assert.equal(seen.headers['x-forwarded-proto'], 'http')
    assert.equal(seen.headers['x-forwarded-host'], 'app.test')
    assert.equal(seen.headers.upgrade, undefined)
  })
}

test('an upgrade waits in the queue when no process is free, and a tunnel then holds no request slot', async t => {
  const f = await startCore(t, APP, ['--max-pool-size', '1', '--concurrency', '1'])
  await getJson(`${f.url}/open`)
  const busy = get(`${f.url}/slow?ms=1000`)
  await new Promise(resolve => setTimeout(resolve, 200))
  const { c } = await openTunnel(t, f.url)
  assert.equal((await busy).status, 200)
  await echoes(c, 'after the queue')
  assert.equal((await getJson<{ open: number }>(`${f.url}/open`)).open, 1, 'served beside the open tunnel')
})

test('an upgrade whose client leaves while it is queued leaves the queue: it never reaches the app', async t => {
  const registry = tmpDir(t)
  const f = await startCore(t, APP, ['--max-pool-size', '1', '--concurrency', '1', '--instance-registry-dir', registry])
  const call = adminClient(t, instanceDirIn(registry))
  await getJson(`${f.url}/open`)
  const busy = get(`${f.url}/slow?ms=1000`)
  await new Promise(resolve => setTimeout(resolve, 200))
  const gone = new RawClient(t, f.url)
  gone.send(upgradeRequest('/ws'))
  await waitFor(async () => (JSON.parse((await call('/requests.json')).body) as { requests: unknown[] }).requests.length === 2, 5_000, 'the upgrade to wait behind the slow request')
  gone.socket.destroy()
  assert.equal((await busy).status, 200)
  assert.equal((await getJson<{ open: number }>(`${f.url}/open`)).open, 0, 'the upgrade never reached the app')
  const requests = JSON.parse((await call('/requests.json')).body) as { requests: unknown[] }
  assert.deepEqual(requests.requests, [])
  const pool = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ processes: Array<{ sessions: number, tunnels: number }> }> } }
  assert.deepEqual(pool.pool.groups[0]!.processes.map(p => [p.sessions, p.tunnels]), [[0, 0]], 'no session left held')
})

test('an upgrade the app never answers gets 504 after --upgrade-timeout, and the app side is closed', async t => {
  const f = await startCore(t, APP, ['--upgrade-timeout', '1'])
  const c = new RawClient(t, f.url)
  c.send(upgradeRequest('/silent'))
  const answer = await c.response('the 504')
  assert.match(answer.head, /^HTTP\/1\.1 504 /)
  await waitFor(async () => (await getJson<{ open: number }>(`${f.url}/open`)).open === 0, 5_000, 'the app side to close')
})

test('a client that leaves closes the app side and frees the session, tunnel or not', async t => {
  const registry = tmpDir(t)
  const f = await startCore(t, APP, ['--instance-registry-dir', registry])
  const call = adminClient(t, instanceDirIn(registry))
  const { c } = await openTunnel(t, f.url)
  const waiting = new RawClient(t, f.url)
  waiting.send(upgradeRequest('/silent'))
  await waitFor(async () => (await getJson<{ open: number }>(`${f.url}/open`)).open === 2, 5_000, 'both upgrades at the app')
  c.socket.destroy()
  waiting.socket.destroy()
  await waitFor(async () => (await getJson<{ open: number }>(`${f.url}/open`)).open === 0, 5_000, 'the app side of both to close')
  const requests = JSON.parse((await call('/requests.json')).body) as { requests: unknown[] }
  assert.deepEqual(requests.requests, [])
  const pool = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ processes: Array<{ sessions: number, tunnels: number }> }> } }
  assert.deepEqual(pool.pool.groups[0]!.processes.map(p => [p.sessions, p.tunnels]), [[0, 0]], 'each released once')
})

test('open tunnels never stop a restart: new processes serve HTTP, old ones keep their tunnels until they close', async t => {
  const app = join(tmpDir(t), 'app')
  cpSync(APP, app, { recursive: true })
  mkdirSync(join(app, 'tmp'))
  const registry = tmpDir(t)
  const f = await startCore(t, app, ['--max-pool-size', '2', '--min-instances', '2', '--stat-throttle-rate', '1', '--instance-registry-dir', registry])
  const call = adminClient(t, instanceDirIn(registry))
  await waitFor(() => readyCount(f) === 2, 15_000, 'two processes')
  const tunnels = [await openTunnel(t, f.url), await openTunnel(t, f.url)]
  const old = new Set(tunnels.map(x => x.seen.pid))
  assert.equal(old.size, 2, 'the WebSockets are spread over the processes')
  const restart = join(app, 'tmp', 'restart.txt')
  writeFileSync(restart, '')
  const when = new Date(Date.now() + 5_000)
  utimesSync(restart, when, when)
  await new Promise(resolve => setTimeout(resolve, 1300))
  const served = await Promise.race([
    getJson<{ pid: number }>(`${f.url}/open`),
    new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('HTTP stopped during the restart')), 10_000))
  ])
  assert.ok(!old.has(served.pid), 'a new process serves')
  for (const { c } of tunnels) await echoes(c, 'still open after the restart')
  type Pool = { pool: { groups: Array<{ processes: Array<{ pid: number, state: string, tunnels: number }> }> } }
  const processes = (JSON.parse((await call('/pool.json')).body) as Pool).pool.groups[0]!.processes
  assert.deepEqual(processes.filter(p => old.has(p.pid)).map(p => [p.state, p.tunnels]), [['stopping', 1], ['stopping', 1]])
  // An old process stops with its last tunnel (--websocket-drain-time, 300 s by default, would stop it anyway).
  for (const { c } of tunnels) c.socket.destroy()
  await waitFor(() => [...old].every(pid => !isAlive(pid)), 10_000, 'the old processes to stop')
  assert.equal((await get(`${f.url}/open`)).status, 200)
})
