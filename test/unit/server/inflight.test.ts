// The in-flight list: linking and unlinking in any order, double deletes, deleting while iterating, snapshot order.
import { test } from 'node:test'
import { createServer, connect, type Socket } from 'node:net'
import { once } from 'node:events'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Inflight } from '../../../src/core/server/inflight.js'

function fakeRequest (path: string): { req: IncomingMessage, res: ServerResponse } {
  // The edge a record reads: a socket's counters and address, the request line, headersSent.
  const socket = { bytesRead: 0, bytesWritten: 0, remoteAddress: '127.0.0.1' }
  return { req: { socket, method: 'GET', url: path, headers: { host: 'h' } } as unknown as IncomingMessage, res: { headersSent: false } as unknown as ServerResponse }
}

test('add and delete in any order; size and iteration follow; a second delete does nothing', () => {
  const list = new Inflight()
  const entries = ['/a', '/b', '/c', '/d'].map(p => { const { req, res } = fakeRequest(p); return list.add(req, res, 0) })
  assert.equal(list.size, 4)
  list.delete(entries[1]!)
  list.delete(entries[1]!)
  assert.equal(list.size, 3)
  list.delete(entries[3]!) // the head
  list.delete(entries[0]!) // the tail
  assert.deepEqual([...list.entries()].map(e => e.req.url), ['/c'])
  list.delete(entries[2]!)
  assert.equal(list.size, 0)
  assert.deepEqual([...list.entries()], [])
})

test('deleting the entry being visited does not stop the walk', () => {
  const list = new Inflight()
  for (const p of ['/a', '/b', '/c']) { const { req, res } = fakeRequest(p); list.add(req, res, 0) }
  const seen: string[] = []
  for (const e of list.entries()) { seen.push(e.req.url!); list.delete(e) }
  assert.deepEqual(seen, ['/c', '/b', '/a'])
  assert.equal(list.size, 0)
})

test('snapshot lists requests oldest first, queued until a process is set', () => {
  const list = new Inflight()
  for (const [p, t] of [['/first', 100], ['/second', 200]] as const) { const { req, res } = fakeRequest(p); list.add(req, res, t) }
  const snap = list.snapshot(300)
  assert.deepEqual(snap.map(r => [r.path, r.age_ms, r.state]), [['/first', 200, 'queued'], ['/second', 100, 'queued']])
})

test('a request on a real connection starts from the counts net.Socket gives, with or without bytes waiting to go', async t => {
  const listener = createServer()
  listener.listen(0, '127.0.0.1')
  await once(listener, 'listening')
  const client = connect((listener.address() as { port: number }).port, '127.0.0.1')
  const [server] = await once(listener, 'connection') as [Socket]
  t.after(() => { client.destroy(); server.destroy(); listener.close() })
  client.write('GET / HTTP/1.1\r\n\r\n')
  await once(server, 'data')
  server.write('written')
  await new Promise<void>(resolve => setImmediate(resolve))
  const list = new Inflight()
  const req = (socket: unknown): IncomingMessage => ({ socket, method: 'GET', url: '/', headers: {} }) as unknown as IncomingMessage
  const idle = list.add(req(server), { headersSent: false } as unknown as ServerResponse, 0)
  assert.equal(server.writableLength, 0)
  assert.deepEqual([idle.bytesRead0, idle.bytesWritten0], [server.bytesRead, server.bytesWritten])
  assert.deepEqual([idle.bytesRead0, idle.bytesWritten0], [18, 7])
  // Corked: bytes wait in the stream, which net.Socket's bytesWritten counts as written.
  server.cork()
  server.write('waiting')
  const busy = list.add(req(server), { headersSent: false } as unknown as ServerResponse, 0)
  assert.equal(busy.bytesWritten0, server.bytesWritten)
  assert.equal(busy.bytesWritten0, 14)
  server.uncork()
})
