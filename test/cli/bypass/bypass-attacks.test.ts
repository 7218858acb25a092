// Attacks from outside on what a bypassed app's processes do themselves (static files, the turbocache, out-of-band
// work), with real processes and real sockets: each test is a finding that failed before its fix.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry, readyCount, logged, type RunningFerry } from '../../helpers/ferry.js'
import { waitFor } from '../../helpers/procs.js'
import { get, rawExchange } from '../../helpers/http.js'

async function bypassed (t: TestContext, args: readonly string[] = [], app = fixtureApp('bypass-attack-lab')): Promise<RunningFerry> {
  // One process, so that its one cache is the instance's.
  const f = await startFerry(t, app, ['--bypass', '--max-pool-size', '1', ...args])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the process')
  return f
}

const next = async (url: string, headers: Record<string, string> = {}): Promise<string> =>
  (JSON.parse((await get(url, { headers })).body) as { next: string }).next

test('bypass: a client\'s X-Forwarded-Host, X-Forwarded-Proto or Forwarded never poisons the answer others get', async t => {
  const f = await bypassed(t)
  const host = new URL(f.url).host
  // Each forged claim first, on a URL of its own: the app builds its links from it (as behind a proxy it trusts)...
  const forgeries: Array<Record<string, string>> = [
    { 'x-forwarded-host': 'evil.example' },
    { 'x-forwarded-proto': 'https' },
    { forwarded: 'host=evil.example' },
    { 'x-forwarded-ssl': 'on' }
  ]
  for (const [i, headers] of forgeries.entries()) {
    const url = `${f.url}/page?n=${i}`
    assert.notEqual(await next(url, headers), `http://${host}/next`, `the app took the claim ${JSON.stringify(headers)}`)
    // ...and a client that claims nothing must still get links to the host it asked.
    assert.equal(await next(url), `http://${host}/next`, `an answer made for ${JSON.stringify(headers)} was shared`)
  }
  // A claim that says what the connection says changes nothing, so the cache still serves.
  await next(`${f.url}/page?n=plain`, { 'x-forwarded-proto': 'http' })
  const calls = async (): Promise<number> => (JSON.parse((await get(`${f.url}/calls`)).body) as { calls: number }).calls
  const before = await calls()
  assert.equal(await next(`${f.url}/page?n=plain`), `http://${host}/next`)
  assert.equal(await calls(), before + 1, 'a hit (only /calls reached the app)')
})

/** A connection kept alive for several requests, read answer by answer (each with a Content-Length). */
class KeptConnection {
  readonly #socket: Socket
  #buffer = ''
  #closed = false
  constructor (url: string) {
    const { hostname, port } = new URL(url)
    this.#socket = connect(Number(port), hostname)
    this.#socket.setEncoding('latin1')
    this.#socket.on('data', (d: string) => { this.#buffer += d })
    this.#socket.on('error', () => {})
    this.#socket.on('close', () => { this.#closed = true })
  }

  send (path: string): void { this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`) }

  /** The next whole answer's head and body; rejects when the connection closes first. */
  async answer (timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n')
      const length = end === -1 ? undefined : /\r\ncontent-length: *(\d+)/i.exec(this.#buffer.slice(0, end))?.[1]
      if (length !== undefined && this.#buffer.length >= end + 4 + Number(length)) {
        const whole = this.#buffer.slice(0, end + 4 + Number(length))
        this.#buffer = this.#buffer.slice(whole.length)
        return whole
      }
      if (this.#closed) throw new Error(`the connection closed without an answer (had ${JSON.stringify(this.#buffer)})`)
      if (Date.now() > deadline) throw new Error('no answer in time')
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }

  close (): void { this.#socket.destroy() }
  async closed (): Promise<void> { if (!this.#closed) await once(this.#socket, 'close') }
}

test('bypass: a request sent on an idle keep-alive connection during long out-of-band work is answered, not dropped', async t => {
  // The work outlasts the app's keep-alive timeout (node's 5 s, 1 s here), during which the process does not read
  // that connection.
  const f = await bypassed(t, ['--envvar', 'OOB_WORK_MS=2000', '--envvar', 'KEEP_ALIVE_MS=1000'])
  const c = new KeptConnection(f.url)
  t.after(() => c.close())
  c.send('/')
  assert.match(await c.answer(5000), /^HTTP\/1\.1 200/)
  // The app asks for work on this same connection; it is idle afterwards, so the process holds it during the work.
  c.send('/oob')
  assert.match(await c.answer(5000), /^HTTP\/1\.1 200/)
  await new Promise(resolve => setTimeout(resolve, 400))
  c.send('/')
  const answer = await c.answer(15_000)
  assert.match(answer, /^HTTP\/1\.1 200/, answer)
})

test('bypass: a restart while a process is out for out-of-band work does not drop the request waiting on its held connection', async t => {
  const app = tmpDir(t)
  cpSync(fixtureApp('bypass-attack-lab'), app, { recursive: true })
  mkdirSync(join(app, 'tmp'))
  const f = await startFerry(t, app, ['--bypass', '--max-pool-size', '1', '--envvar', 'OOB_WORK_MS=3000'])
  await waitFor(() => readyCount(f) === 1, 15_000, 'the process')
  const c = new KeptConnection(f.url)
  t.after(() => c.close())
  c.send('/oob')
  assert.match(await c.answer(5000), /^HTTP\/1\.1 200/)
  await new Promise(resolve => setTimeout(resolve, 500))
  // Held unread during the work; then a deploy retires the process before the work ends.
  c.send('/')
  const restart = join(app, 'tmp', 'restart.txt')
  writeFileSync(restart, '')
  utimesSync(restart, new Date(), new Date(Date.now() + 5000))
  const answer = await c.answer(15_000)
  assert.match(answer, /^HTTP\/1\.1 200/, answer)
})

test('bypass: a client that never reads its answer does not keep the only process out for out-of-band work', async t => {
  const f = await bypassed(t, ['--envvar', 'OOB_WORK_MS=100'])
  // A hostile client: asks for a large answer and never reads it, so that answer stays in flight.
  const { hostname, port } = new URL(f.url)
  const slow = connect(Number(port), hostname)
  t.after(() => slow.destroy())
  slow.on('error', () => {})
  slow.write('GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n')
  slow.pause()
  await new Promise(resolve => setTimeout(resolve, 300))
  // The app asks for work; with one process, clients wait in the backlog until it accepts again.
  assert.equal((await get(`${f.url}/oob`)).status, 200)
  const asked = Date.now()
  // Time for the core's request to reach the process, which then stops accepting.
  await new Promise(resolve => setTimeout(resolve, 500))
  // On a new connection: only accepting again answers it (a kept one would still be read meanwhile).
  const answer = await rawExchange(f.url, 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', 20_000)
  assert.match(answer, /^HTTP\/1\.1 200/, answer)
  assert.ok(Date.now() - asked < 15_000, `a new client waited ${Date.now() - asked} ms`)
  // Said as what it was, not logged as work done.
  await logged(f, /called its out-of-band work off/, 'the notice that the work was called off')
  slow.destroy()
})

test('bypass: a write sent with Expect: 100-continue to an app that answers it itself still invalidates the stored answer', async t => {
  const f = await bypassed(t, ['--envvar', 'CHECK_CONTINUE=1'])
  const calls = async (): Promise<number> => (JSON.parse((await get(`${f.url}/calls`)).body) as { calls: number }).calls
  await get(`${f.url}/page`)
  let before = await calls()
  await get(`${f.url}/page`)
  assert.equal(await calls(), before + 1, 'stored: a hit')
  // The Host the other requests send, so that the write names their entry.
  const posted = await rawExchange(f.url, `POST /page HTTP/1.1\r\nHost: ${new URL(f.url).host}\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`)
  assert.match(posted, /HTTP\/1\.1 200/, posted)
  before = await calls()
  await get(`${f.url}/page`)
  assert.equal(await calls(), before + 2, 'the write dropped the stored answer: a miss (and /calls)')
})

test('Vary: User-Agent: two User-Agent lines that join into a browser\'s own never get their answer served to that browser', async t => {
  const browser = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'
  const [first, rest] = browser.split(', ') as [string, string]
  // In both modes: the cache's Vary selector is the same code, and a Node app keeps only the first User-Agent line.
  for (const args of [['--bypass'], []]) {
    const f = await startFerry(t, fixtureApp('bypass-attack-lab'), ['--max-pool-size', '1', ...args])
    await waitFor(() => readyCount(f) === 1, 15_000, 'the process')
    const host = new URL(f.url).host
    const planted = await rawExchange(f.url, `GET /ua HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${first}\r\nUser-Agent: ${rest}\r\nConnection: close\r\n\r\n`)
    assert.match(planted, new RegExp(`"ua":"${first.replace(/[()/.]/g, '\\$&')}"`), planted)
    const victim = JSON.parse((await get(`${f.url}/ua`, { headers: { 'user-agent': browser } })).body) as { ua: string }
    assert.equal(victim.ua, browser, `${args.join(' ') || 'proxy mode'}: the browser got the page made for the planted agent`)
    await f.stop()
  }
})

test('bypass: tmp/always_restart.txt, which cannot work without requests passing through Ferry, is reported, not silently ignored', async t => {
  const app = tmpDir(t)
  cpSync(fixtureApp('bypass-attack-lab'), app, { recursive: true })
  mkdirSync(join(app, 'tmp'))
  const f = await bypassed(t, [], app)
  const before = (JSON.parse((await get(`${f.url}/page`)).body) as { pid: number }).pid
  writeFileSync(join(app, 'tmp', 'always_restart.txt'), '')
  await logged(f, /always_restart\.txt.*--bypass|--bypass.*always_restart\.txt/, 'the warning about always_restart.txt')
  assert.equal((JSON.parse((await get(`${f.url}/page`)).body) as { pid: number }).pid, before)
})

test('bypass: a write sent with an absolute-form target drops the stored answer for that URL; such a GET is never cached', async t => {
  const f = await bypassed(t)
  const host = new URL(f.url).host
  const calls = async (): Promise<number> => (JSON.parse((await get(`${f.url}/calls`)).body) as { calls: number }).calls
  const page = async (): Promise<void> => { assert.equal((await get(`${f.url}/page`)).status, 200) }
  await page()
  let before = await calls()
  await page()
  assert.equal(await calls(), before + 1, 'stored: a hit')
  // The same resource, named the way a client talking to a proxy names it.
  const posted = await rawExchange(f.url, `POST http://${host}/page HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
  assert.match(posted, /^HTTP\/1\.1 200 /)
  before = await calls()
  await page()
  assert.equal(await calls(), before + 2, 'the write dropped it: the next GET reached the app')
  // An absolute-form GET whose authority is not its Host: its answer is built for a request no one else makes.
  const asked = async (): Promise<string> => rawExchange(f.url, `GET http://evil.example/page HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
  await asked()
  before = await calls()
  assert.match(await asked(), /^HTTP\/1\.1 200 /)
  assert.equal(await calls(), before + 2, 'never answered from the cache')
})
