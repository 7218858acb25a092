import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { holdUntilTurnEnds } from '../../../src/core/server/turn-end-writes.js'

/** `n` connected loopback sockets, and what the other end of each has received so far. */
async function connections (t: TestContext, n: number): Promise<{ sockets: Socket[], received: string[] }> {
  const received: string[] = []
  const server = createServer(s => {
    s.setEncoding('latin1')
    s.once('data', (d: string) => {
      const i = Number(d.split(':')[0])
      received[i] = (received[i] ?? '') + d
      s.on('data', (more: string) => { received[i] += more })
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  const sockets: Socket[] = []
  for (let i = 0; i < n; i++) {
    const s = connect(port, '127.0.0.1')
    await once(s, 'connect')
    sockets.push(s)
  }
  t.after(() => { for (const s of sockets) s.destroy(); server.close() })
  return { sockets, received }
}

async function until (check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise(resolve => setTimeout(resolve, 10))
  assert.ok(check())
}

test('writes wait for the end of the turn, then leave in order', async t => {
  const { sockets: [s], received } = await connections(t, 1)
  holdUntilTurnEnds(s!)
  s!.write('0:first ')
  holdUntilTurnEnds(s!)
  s!.write('second')
  assert.equal(s!.writableLength, '0:first second'.length, 'nothing has left yet')
  await nextTurn()
  assert.equal(s!.writableCorked, 0)
  await until(() => received[0] === '0:first second')
})

test('no more than 64 sockets wait: holding one more sends what the others hold', async t => {
  const { sockets, received } = await connections(t, 65)
  for (let i = 0; i < 64; i++) { holdUntilTurnEnds(sockets[i]!); sockets[i]!.write(`${i}:x`) }
  assert.ok(sockets.every((s, i) => i === 64 || s.writableCorked === 1))
  holdUntilTurnEnds(sockets[64]!)
  sockets[64]!.write('64:x')
  assert.ok(sockets.slice(0, 64).every(s => s.writableCorked === 0), 'the first 64 were sent')
  assert.equal(sockets[64]!.writableCorked, 1, 'the last one waits for the end of the turn')
  await nextTurn()
  assert.equal(sockets[64]!.writableCorked, 0)
  await until(() => received.filter(r => r?.endsWith(':x')).length === 65)
})
