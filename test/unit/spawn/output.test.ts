import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { once } from 'node:events'
import { test } from 'node:test'
import { LineRing, readLines } from '../../../src/core/spawn/output.js'
import { commandLine } from '../../../src/core/spawn/child.js'

test('LineRing keeps the last lines, oldest first', () => {
  const ring = new LineRing(3)
  assert.deepEqual(ring.toArray(), [])
  for (const n of [1, 2]) ring.push(String(n))
  assert.deepEqual(ring.toArray(), ['1', '2'])
  for (const n of [3, 4, 5, 6, 7]) ring.push(String(n))
  assert.deepEqual(ring.toArray(), ['5', '6', '7'])
})

test('readLines splits chunks into lines, across chunk and multi-byte boundaries, and flushes the last one', async () => {
  const stream = new PassThrough()
  const lines: string[] = []
  readLines(stream, line => lines.push(line))
  const euro = Buffer.from('€')
  stream.write('one\ntw')
  stream.write('o\r\nthree ')
  stream.write(euro.subarray(0, 1))
  stream.write(Buffer.concat([euro.subarray(1), Buffer.from('\n\nlast')]))
  stream.end()
  await once(stream, 'end')
  assert.deepEqual(lines, ['one', 'two', 'three €', '', 'last'])
})

test('readLines splits a runaway line instead of buffering it without bound', async () => {
  const stream = new PassThrough()
  const lines: string[] = []
  readLines(stream, line => lines.push(line))
  stream.end('x'.repeat(40 * 1024))
  await once(stream, 'end')
  assert.deepEqual(lines.map(l => l.length), [16384, 16384, 8192])
})

test('commandLine quotes only the arguments a shell would need quoted', () => {
  assert.equal(commandLine('/usr/bin/node', ['--require', '/a/b.cjs', '/my app/it\'s.js']),
    '/usr/bin/node --require /a/b.cjs \'/my app/it\'\\\'\'s.js\'')
})
