// --bypass connection balance under attack, with real processes: connections that sit idle (a hostile client's, or
// parked keep-alives) must not make one process shed every client that does send requests, until the other process
// serves them all.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { connect, type Socket } from 'node:net'
import { bypassInstance, startClients } from '../../helpers/bypass-clients.js'
import { waitFor } from '../../helpers/procs.js'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

test('bypass balance: idle connections parked on one process do not push every active client to the other', async t => {
  const f = await bypassInstance(t, 2)
  // One process busy: the other accepts every idle connection (opened, never used), as a hostile client would park them.
  const burn = await request(`${f.url}/burn?ms=1000&id=burn`)
  const { port } = new URL(f.url)
  const idle: Socket[] = []
  t.after(() => { for (const s of idle) s.destroy() })
  for (let i = 0; i < 30; i++) {
    const s = connect(Number(port), '127.0.0.1')
    s.on('error', () => {})
    idle.push(s)
  }
  const busy = (await burn.body.json() as { pid: number }).pid
  const clients = startClients(f.url, 10, 5)
  t.after(() => clients.stop())
  const on = (pid: number): number => clients.answeredBy.filter(p => p === pid).length
  await waitFor(() => clients.answeredBy.every(p => p !== 0), 10_000, 'every client answered')
  await sleep(3_000)
  const other = clients.answeredBy.find(p => p !== busy)
  const spread = `${busy}: ${on(busy)}, the one with the idle connections: ${other === undefined ? 0 : on(other)}`
  await clients.stop()
  const reconnects = clients.connects.reduce((a, b) => a + b, 0) - 10
  t.diagnostic(`${spread}; ${reconnects} reconnects`)
  assert.deepEqual(clients.failures, [])
  // Shedding cannot move idle connections (they get no answer to close): counting them, the process holding them is
  // always over its share and closes each active client it gets, until the other process serves all of them.
  assert.ok(on(busy) < 10, `the active clients are not all pushed off the process holding the idle ones (${spread})`)
  assert.ok(reconnects < 40, `active clients are not made to reconnect over and over (${reconnects})`)
})

/** Connects a raw socket; everything it receives is kept in `got`, and the first error in `error`. */
async function rawConnection (port: number): Promise<{ socket: Socket, got: () => string, error: () => string | undefined }> {
  const socket = connect(port, '127.0.0.1')
  let got = ''
  let error: string | undefined
  socket.on('data', (d: Buffer) => { got += d.toString('latin1') })
  socket.on('error', err => { error ??= String(err) })
  await new Promise(resolve => socket.once('connect', resolve))
  return { socket, got: () => got, error: () => error }
}

const write = (s: Socket, data: string | Buffer): Promise<void> => new Promise(resolve => s.write(data, () => resolve()))

/** Twenty keep-alive connections on one process (the other busy meanwhile): it is over its share and told to shed. */
async function twentyOnOne (t: TestContext): Promise<Array<Awaited<ReturnType<typeof rawConnection>>>> {
  const f = await bypassInstance(t, 2)
  const port = Number(new URL(f.url).port)
  const burn = await request(`${f.url}/burn?ms=800&id=burn`)
  const conns = await Promise.all(Array.from({ length: 20 }, async () => await rawConnection(port)))
  t.after(() => { for (const c of conns) c.socket.destroy() })
  await Promise.all(conns.map(async (c, i) => {
    await write(c.socket, `GET /?id=get${i} HTTP/1.1\r\nHost: x\r\n\r\n`)
    await waitFor(() => c.got().includes(`"get${i}"`), 5_000, `answer get${i}`)
  }))
  await burn.body.text()
  await sleep(100)
  return conns
}

/** Whether connection `i`'s answers since its first GET include a `Connection: close`. */
const closedAfterGet = (c: { got: () => string }, i: number): boolean => /Connection: close/i.test(c.got().slice(c.got().indexOf(`"get${i}"`)))

test('bypass balance: an upload the app answers before reading it is not cut by shedding its connection', async t => {
  // A connection whose GET was already answered with Connection: close (the order can arrive while the GETs are still
  // being answered, on a busy machine) is closed by then, and a client does not send on it again: only the others
  // upload. They are numbered as before, so a failure names the same connection as the GET that opened it.
  const all = await twentyOnOne(t)
  const conns = all.filter(c => !/Connection: close/i.test(c.got()))
  t.diagnostic(`${all.length - conns.length} of 20 connections were closed with their GET's answer`)
  assert.ok(conns.length >= 10, `most connections are still open to upload on (${conns.length} of 20)`)
  const index = (c: typeof conns[number]): number => all.indexOf(c)
  // Each uploads 4 MB as many clients do: the head and a first part, then the rest, and only then reads the answer.
  // The app answers at once without reading the body (as a 401 or 413 would): on a keep-alive connection node reads
  // and drops the rest; a connection closed after that answer resets the upload instead, and the client sees an error.
  const part = Buffer.alloc(1 << 20, 97)
  await Promise.all(conns.map(async c => {
    const i = index(c)
    await write(c.socket, `POST /?id=up${i} HTTP/1.1\r\nHost: x\r\nContent-Length: ${4 * part.length}\r\n\r\n`)
    await write(c.socket, part)
  }))
  await sleep(300)
  await Promise.all(conns.map(async c => { for (let k = 0; k < 3 && c.socket.writable; k++) await write(c.socket, part) }))
  await sleep(300)
  const closed = conns.filter(c => closedAfterGet(c, index(c))).length
  // A closed connection cannot take the rest of the body: the client's writes fail (a client that sends all of its
  // body before reading, as many do, reports an error and never sees the answer).
  const whole = (c: typeof conns[number]): boolean => c.socket.bytesWritten >= 4 * part.length
  const failed = conns.map(c => { const i = index(c); return whole(c) && c.error() === undefined && c.got().includes(`"up${i}"`) ? ''
    : `up${i}: ${c.socket.bytesWritten} bytes written, ${c.error() ?? (c.got().includes(`"up${i}"`) ? 'answered' : 'no answer')}` }).filter(Boolean)
  t.diagnostic(`${closed} of ${conns.length} uploads answered with Connection: close`)
  assert.deepEqual(failed, [], 'every upload was written whole and answered')
})

test('bypass balance: a request whose body the app reads before answering is still shed', async t => {
  const conns = await twentyOnOne(t)
  // A connection already closed with its GET's answer (shed early, on a busy machine) counts as shed; no POST on it.
  const shedEarly = new Set(conns.filter(c => /Connection: close/i.test(c.got())))
  await Promise.all(conns.map(async (c, i) => {
    if (shedEarly.has(c)) return
    await write(c.socket, `POST /read?id=post${i} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`)
    await waitFor(() => c.got().includes(`"post${i}"`), 5_000, `answer post${i}`)
  }))
  const closed = shedEarly.size + conns.filter((c, i) => !shedEarly.has(c) && closedAfterGet(c, i)).length
  t.diagnostic(`${closed} of 20 connections shed (${shedEarly.size} with their GET's answer, the rest with their POST's)`)
  assert.ok(closed >= 5, `a process over its share sheds clients that post (${closed} of 20 answered with Connection: close)`)
})
