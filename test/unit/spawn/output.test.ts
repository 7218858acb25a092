import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { once } from 'node:events'
import { test } from 'node:test'
import { LineRing, MAX_LINE_CHARS, cutMarker, readLines } from '../../../src/core/spawn/output.js'
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

test('readLines cuts a runaway line, says how much was cut, and holds only its head', async () => {
  const stream = new PassThrough()
  const lines: string[] = []
  readLines(stream, line => lines.push(line), 1000)
  stream.write('short\n' + 'x'.repeat(700))
  stream.write('y'.repeat(40 * 1024))
  stream.write('z'.repeat(300) + '\nafter\n' + 'w'.repeat(1500))
  stream.end()
  await once(stream, 'end')
  assert.equal(lines.length, 4)
  assert.equal(lines[0], 'short')
  assert.equal(lines[1], 'x'.repeat(700) + 'y'.repeat(300) + cutMarker(40 * 1024 - 300 + 300))
  assert.equal(lines[2], 'after')
  assert.equal(lines[3], 'w'.repeat(1000) + cutMarker(500))
  assert.match(cutMarker(5), /line cut: 5 more characters/)
})

test('readLines: the default limit is MAX_LINE_CHARS', async () => {
  const stream = new PassThrough()
  const lines: string[] = []
  readLines(stream, line => lines.push(line))
  stream.end('x'.repeat(MAX_LINE_CHARS + 10) + '\n')
  await once(stream, 'end')
  assert.deepEqual(lines, ['x'.repeat(MAX_LINE_CHARS) + cutMarker(10)])
})

test('commandLine quotes only the arguments a shell would need quoted', () => {
  assert.equal(commandLine('/usr/bin/node', ['--require', '/a/b.cjs', '/my app/it\'s.js']),
    '/usr/bin/node --require /a/b.cjs \'/my app/it\'\\\'\'s.js\'')
})
