// Attacks on hand-ahead (hand-ahead.ts): what happens to a request handed to a busy Ruby/Python process when its
// client leaves, or when that process dies before it got to it.
import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { waitFor } from '../../helpers/procs.js'
import { missing, pythonWith, rubyWith } from '../../helpers/languages.js'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'

const ruby = rubyWith('rack')
const python = pythonWith()

/** Apps that note each request they begin (its query string) and list them at /ran; /<ms> sleeps that long. */
const WSGI_NOTING = `import time
ran = []
def application(environ, start_response):
    if environ['PATH_INFO'] == '/ran':
        body = ','.join(ran).encode()
    else:
        ran.append(environ['QUERY_STRING'])
        time.sleep(int(environ['PATH_INFO'][1:]) / 1000)
        body = b'ok'
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
`
const RACK_NOTING = `RAN = []
run(lambda do |env|
  next [200, { 'content-type' => 'text/plain' }, [RAN.join(',')]] if env['PATH_INFO'] == '/ran'

  RAN << env['QUERY_STRING']
  sleep(Integer(env['PATH_INFO'][1..]) / 1000.0)
  [200, { 'content-type' => 'text/plain' }, ['ok']]
end)
`

interface PoolView { pids: number[], sessions: number[], queued: number }

async function startLab (t: TestContext, args: string[], dir = fixtureApp('rack-lab'), interpreter = ['--ruby', ruby!]): Promise<{ url: string, pool: () => Promise<PoolView> }> {
  const registry = tmpDir(t)
  const f = await startCore(t, dir, [...interpreter, ...args], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  return {
    url: f.url,
    pool: async () => {
      const { pool } = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ queue_length: number, processes: Array<{ pid: number, sessions: number }> }> } }
      const g = pool.groups[0]!
      return { pids: g.processes.map(p => p.pid), sessions: g.processes.map(p => p.sessions), queued: g.queue_length }
    }
  }
}

/** A connection to the front, made before anything is sent on it, and the request later written on it. */
async function connection (url: string): Promise<{ send: (path: string, body?: Buffer) => Promise<string>, socket: Socket }> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  await once(socket, 'connect')
  socket.setEncoding('latin1')
  let out = ''
  socket.on('data', (d: string) => { out += d })
  socket.on('error', () => undefined)
  const closed = once(socket, 'close').then(() => out)
  return {
    socket,
    /** A GET of `path`, or a POST of `body` to it. */
    send: (path, body) => {
      const head = body === undefined ? `GET ${path}` : `POST ${path}`
      const framing = body === undefined ? '' : `Content-Length: ${body.length}\r\n`
      socket.write(`${head} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${framing}\r\n`)
      if (body !== undefined) socket.write(body)
      return closed
    }
  }
}

/**
 * Two requests sent in this order on connections made beforehand (so the core reads the first one first): the first
 * runs, the second is handed ahead behind it (checked). A loaded machine may take longer than the hand-ahead limit
 * between the two (the second then waits in the core's queue): they are sent again, a few times at most.
 */
async function oneBehindAnother (lab: { url: string, pool: () => Promise<PoolView> }, first: string, second: string, body?: Buffer): Promise<{ first: Promise<string>, second: Promise<string>, behind: Socket }> {
  for (let attempt = 1; ; attempt++) {
    const [a, b] = await Promise.all([connection(lab.url), connection(lab.url)])
    const replies = { first: a.send(first), second: b.send(second, body), behind: b.socket }
    // A busy machine may even finish the first before the second is seen: that attempt shows nothing, so it goes again.
    let firstDone = false
    void replies.first.then(() => { firstDone = true })
    let seen: PoolView | undefined
    await waitFor(async () => { seen = await lab.pool(); return firstDone || seen.sessions[0]! + seen.queued === 2 }, 5000, 'both requests to be in')
    const bothIn = seen!.sessions[0]! + seen!.queued === 2
    if ((bothIn && seen!.sessions[0] === 2) || attempt === 5) {
      assert.deepEqual(seen!.sessions, [2], 'the second request was handed ahead')
      return replies
    }
    await Promise.all([replies.first, replies.second])
  }
}

describe('hand-ahead attacks', { skip: missing(ruby, 'ruby with the rack gem (ruby-rack)') }, () => {
  test('a client leaving its handed-ahead request does not make a slow request look young: the next one waits in the queue', async (t: TestContext) => {
    const lab = await startLab(t, ['--max-pool-size', '1'])
    await get(`${lab.url}/slow?ms=1`)
    const { first, second, behind } = await oneBehindAnother(lab, '/slow?ms=1500', '/slow?ms=1')
    await sleep(100)
    // Its client leaves, and the next request comes as it does (before or after the core sees it go: either way).
    // The long request has run for more than the hand-ahead limit by then: the next one waits in the core's queue.
    behind.destroy()
    const next = get(`${lab.url}/slow?ms=1`)
    await second
    await waitFor(async () => { const v = await lab.pool(); return v.sessions[0]! + v.queued === 2 }, 5000, 'the next request to be in')
    assert.deepEqual(await lab.pool().then(v => ({ sessions: v.sessions, queued: v.queued })), { sessions: [1], queued: 1 })
    await Promise.all([first, next])
  })

  test('a process killed (-9) before it got to a request handed ahead to it: that request is served by another process', async (t: TestContext) => {
    const lab = await startLab(t, ['--max-pool-size', '1'])
    await get(`${lab.url}/slow?ms=1`)
    const [pid] = (await lab.pool()).pids
    const { first, second } = await oneBehindAnother(lab, '/slow?ms=1500', '/pid')
    process.kill(pid!, 'SIGKILL')
    await first
    // The app never began it (it executes one request at a time, and the one before had not ended): safe to send again.
    const r = await second
    assert.match(r, /^HTTP\/1\.1 200 /, r)
    assert.notEqual(Number(r.split('\r\n\r\n')[1]), pid)
  })

  test('an upload is never handed ahead (it waits in the queue); the busy process killed (-9), it goes whole to the next one', async (t: TestContext) => {
    // Hand-ahead is for requests safe to send again: the core cannot always tell whether a dying process had begun
    // the one waiting at it, and a POST must not run twice.
    const lab = await startLab(t, ['--max-pool-size', '1'])
    await get(`${lab.url}/slow?ms=1`)
    const [pid] = (await lab.pool()).pids
    const [a, b] = await Promise.all([connection(lab.url), connection(lab.url)])
    const first = a.send('/slow?ms=1500')
    await waitFor(async () => (await lab.pool()).sessions[0] === 1, 5000, 'the slow request to begin')
    const second = b.send('/count', Buffer.alloc(30_000, 'u'))
    let seen: PoolView | undefined
    await waitFor(async () => { seen = await lab.pool(); return seen.queued === 1 }, 5000, 'the upload to be queued')
    assert.deepEqual(seen!.sessions, [1], 'the upload was not handed ahead')
    process.kill(pid!, 'SIGKILL')
    await first
    const r = await second
    assert.match(r, /^HTTP\/1\.1 200 /, r)
    assert.equal((JSON.parse(r.split('\r\n\r\n')[1]!) as { bytes: number }).bytes, 30_000)
  })

  test('--max-requests 1: a request is never handed ahead to a process whose current request is its last', async (t: TestContext) => {
    const lab = await startLab(t, ['--max-pool-size', '1', '--max-requests', '1'])
    await get(`${lab.url}/slow?ms=1`)
    await waitFor(async () => { const v = await lab.pool(); return v.pids.length === 1 && v.sessions[0] === 0 }, 10_000, 'the replacement')
    const [a, b] = await Promise.all([connection(lab.url), connection(lab.url)])
    const [first, second] = await Promise.all([a.send('/slow?ms=500'), b.send('/pid')])
    const firstPid = (JSON.parse(first.split('\r\n\r\n')[1]!) as { pid: number }).pid
    assert.notEqual(Number(second.split('\r\n\r\n')[1]), firstPid, 'each process serves one request')
  })

  test('--max-request-time counts a handed-ahead request from when it begins, not while it waits behind another', async (t: TestContext) => {
    const lab = await startLab(t, ['--max-pool-size', '1', '--max-request-time', '2'])
    await get(`${lab.url}/slow?ms=1`)
    const [pid] = (await lab.pool()).pids
    // 1.5 s, then 1.2 s: each well under the limit, together over it.
    const { first, second } = await oneBehindAnother(lab, '/slow?ms=1500', '/slow?ms=1200')
    assert.match(await first, /^HTTP\/1\.1 200 /)
    const r = await second
    assert.match(r, /^HTTP\/1\.1 200 /, r)
    assert.deepEqual((await lab.pool()).pids, [pid], 'the process was not replaced as stuck')
  })

  test('a request handed ahead behind one stuck past --max-request-time goes to another process, not a 504 of its own', async (t: TestContext) => {
    const lab = await startLab(t, ['--max-pool-size', '1', '--max-request-time', '1'])
    await get(`${lab.url}/slow?ms=1`)
    const [pid] = (await lab.pool()).pids
    const { first, second } = await oneBehindAnother(lab, '/slow?ms=30000', '/pid')
    assert.match(await first, /^HTTP\/1\.1 504 /)
    const r = await second
    assert.match(r, /^HTTP\/1\.1 200 /, r)
    assert.notEqual(Number(r.split('\r\n\r\n')[1]), pid)
  })
})

for (const [language, interpreter, file, code] of [['Python', python, 'passenger_wsgi.py', WSGI_NOTING], ['Ruby', ruby, 'config.ru', RACK_NOTING]] as const) {
  test(`${language}: a request handed ahead whose client left before the app got to it is not run (nor holds the process)`, { skip: missing(interpreter, language) }, async (t: TestContext) => {
    const dir = tmpDir(t)
    writeFileSync(join(dir, file), code)
    const lab = await startLab(t, ['--max-pool-size', '1'], dir, [`--${language.toLowerCase()}`, interpreter!])
    await get(`${lab.url}/1?warm`)
    const { first, second, behind } = await oneBehindAnother(lab, '/600?first', '/2000?left')
    await sleep(100)
    behind.destroy()
    await second
    assert.match(await first, /^HTTP\/1\.1 200 /)
    // The process is free once the first is answered: the next request is not held behind one nobody waits for.
    assert.equal((await get(`${lab.url}/1?next`)).body, 'ok')
    // (What ran before the last `first` is earlier tries of the pair, when the machine was too slow for hand-ahead.)
    const ran = (await get(`${lab.url}/ran`)).body.split(',')
    assert.deepEqual(ran.slice(ran.lastIndexOf('first')), ['first', 'next'])
  })
}

// Found, not fixed (each needs more than a small change):
test.todo('a request handed ahead behind one that turns out slow (young when handed, then runs for seconds) is taken back and given to a process that frees first (today it waits behind the slow one: only requests with nothing of them read by the loader could be taken back)')
test.todo('an Upgrade request is never handed ahead (pipeline/checkout.ts lets only proxied GET/HEAD/OPTIONS/TRACE without a body wait at a process): shown by no test yet, for want of a Python or Ruby fixture that answers an Upgrade')
