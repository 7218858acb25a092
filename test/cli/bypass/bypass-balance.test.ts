// --bypass connection balance with real processes: a burst of keep-alive connections that all landed on one process
// (the other was busy and accepted none) spreads over both once the busy one is free, without a request failing or
// a client getting another's answer; connections the app took over (WebSockets) are not weighed; a group of one
// process never tells its clients to reconnect.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { connect, type Socket } from 'node:net'
import { bypassInstance, startClients } from '../../helpers/bypass-clients.js'
import { waitFor } from '../../helpers/procs.js'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const CLIENTS = 40

/** Keeps one process's event loop busy for `ms`; resolves once it has begun, with the pid it will answer. */
async function busyFor (url: string, ms: number): Promise<{ pid: Promise<number> }> {
  const r = await request(`${url}/burn?ms=${ms}&id=burn`)
  return { pid: r.body.json().then(b => (b as { pid: number }).pid) }
}

const holding = (answeredBy: readonly number[], pid: number): number => answeredBy.filter(p => p === pid).length

test('bypass balance: a burst that all landed on one process is spread over both, no request failing', async t => {
  const f = await bypassInstance(t, 2)
  // One process busy for a while accepts nothing: the other takes every connection of the burst.
  const burn = await busyFor(f.url, 1_500)
  const clients = startClients(f.url, CLIENTS)
  t.after(() => clients.stop())
  await clients.first
  const busy = await burn.pid
  const other = clients.answeredBy.find(p => p !== busy)!
  assert.ok(holding(clients.answeredBy, other) >= CLIENTS - 5, `the burst landed on ${other} (${clients.answeredBy.join(' ')})`)

  // Once the busy one is free again, the one holding them sheds its excess and they reconnect, to it.
  const spread = (): string => `${busy}: ${holding(clients.answeredBy, busy)}, ${other}: ${holding(clients.answeredBy, other)}`
  const freed = Date.now()
  // Left alone once neither holds more than an eighth over its share (connection-balance.ts shareSlack): 22 of 40.
  await waitFor(() => holding(clients.answeredBy, busy) >= CLIENTS / 4 && holding(clients.answeredBy, other) >= CLIENTS / 4,
    20_000, 'the connections to spread').catch((err: Error) => { throw new Error(`${err.message} (${spread()})`) })
  t.diagnostic(`spread (${spread()}) ${Date.now() - freed} ms after the busy process was free`)
  await clients.stop()
  assert.deepEqual(clients.failures, [], 'no request failed, every client got its own answer')
  const reconnects = clients.connects.reduce((a, b) => a + b, 0) - CLIENTS
  assert.ok(reconnects >= CLIENTS / 2 - 5, `clients were moved by reconnecting (${reconnects})`)
  // Bounded: while the busy one could take none, the other was told again less and less often.
  assert.ok(reconnects <= CLIENTS * 10, `${reconnects} reconnects`)
  t.diagnostic(`${reconnects} reconnects`)
})

/** Opens an Upgrade the app takes over and holds; resolves with it and the pid of the process that took it. */
function upgraded (url: string): Promise<{ socket: Socket, pid: number }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: lab\r\n\r\n'))
    let head = ''
    socket.setEncoding('latin1')
    socket.on('error', reject)
    socket.on('data', function onData (d: string) {
      head += d
      const pid = /\r\nX-Pid: (\d+)\r\n/i.exec(head)?.[1]
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      if (pid === undefined) reject(new Error(`not upgraded: ${head}`))
      else resolve({ socket, pid: Number(pid) })
    })
  })
}

test('bypass balance: taken-over connections (WebSockets) are not weighed: HTTP clients stay spread', async t => {
  const f = await bypassInstance(t, 2)
  // Twenty held upgrades on one process, taken while the other was busy.
  const burn = await busyFor(f.url, 1_000)
  const held = await Promise.all(Array.from({ length: 20 }, async () => await upgraded(f.url)))
  t.after(() => { for (const h of held) h.socket.destroy() })
  const busy = await burn.pid
  assert.ok(held.every(h => h.pid !== busy), 'the upgrades all went to the process that was free')
  // Counted as connections, they would make it shed every HTTP client it takes, until the other held them all.
  const clients = startClients(f.url, 10)
  t.after(() => clients.stop())
  await clients.first
  const both = (): boolean => holding(clients.answeredBy, busy) >= 3 && holding(clients.answeredBy, held[0]!.pid) >= 3
  await waitFor(both, 10_000, 'the HTTP clients to be on both processes').catch((err: Error) => { throw new Error(`${err.message}: ${clients.answeredBy.join(' ')}`) })
  await sleep(1_500)
  assert.ok(both(), `still on both: ${clients.answeredBy.join(' ')}`)
  await clients.stop()
  assert.deepEqual(clients.failures, [])
})

test('bypass balance: a group of one process never sheds its connections', async t => {
  const f = await bypassInstance(t, 1)
  const clients = startClients(f.url, CLIENTS)
  t.after(() => clients.stop())
  await clients.first
  await sleep(1_500)
  await clients.stop()
  assert.deepEqual(clients.failures, [])
  assert.equal(new Set(clients.answeredBy).size, 1)
  assert.deepEqual(clients.connects, new Array<number>(CLIENTS).fill(1), 'each client kept its one connection')
})
