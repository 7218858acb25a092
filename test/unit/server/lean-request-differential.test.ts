// The lean parser may refuse any request, but a request it takes must mean exactly what it means to node's own
// HTTP server (which the lean front hands everything else to). This sends a few hundred deterministic mutations of
// ordinary heads to a real node:http server on loopback and compares what each side read.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { parseLeanHead } from '../../../src/core/server/lean-request.js'

interface Read { method: string, url: string, rawHeaders: string[], headers: Record<string, unknown> }

const BASES = [
  ['GET /a?b=c HTTP/1.1', 'Host: example.test', 'Accept: */*', 'Cookie: a=1', 'User-Agent: t/1.0'],
  ['HEAD / HTTP/1.1', 'Host: x:8080', 'Connection: keep-alive', 'X-Forwarded-For: 10.0.0.1'],
  ['GET /p HTTP/1.0', 'Connection: keep-alive', 'Pragma: no-cache'],
  ['GET / HTTP/1.1', 'Host: h', 'Cookie: a=1', 'Cookie: b=2', 'Cache-Control: max-age=0']
]
const COUNT = 500
const INSERTS = [' ', '\t', '\xa0', '\x7f', '\x80', '\xff', '\r', '\n', '\0', ':', ',', ';', '"', '\x0b', '\x0c', '%', '#', '?', '/', 'é']

/** A small deterministic PRNG, so a failure names a case that repeats. */
function prng (seed: number): () => number {
  return () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff }
}

function mutations (count: number): string[] {
  const rand = prng(42)
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const lines = [...BASES[Math.floor(rand() * BASES.length)]!]
    const n = 1 + Math.floor(rand() * 2)
    for (let k = 0; k < n; k++) {
      const li = Math.floor(rand() * lines.length)
      const line = lines[li]!
      const kind = rand()
      if (kind < 0.5) {
        const at = Math.floor(rand() * (line.length + 1))
        lines[li] = line.slice(0, at) + INSERTS[Math.floor(rand() * INSERTS.length)]! + line.slice(at)
      } else if (kind < 0.65) lines.splice(li + 1, 0, line) // a repeated line
      else if (kind < 0.8) lines[li] = rand() < 0.5 ? line.toUpperCase() : line.toLowerCase()
      else if (kind < 0.9) lines.splice(1 + Math.floor(rand() * lines.length), 0, ['Content-Length: 0', 'Transfer-Encoding: chunked', 'Expect: 100-continue', 'Upgrade: h2c', ' folded'][Math.floor(rand() * 5)]!)
      else lines[li] = line.replace(':', rand() < 0.5 ? ' :' : ':  ')
    }
    out.push(lines.join('\r\n'))
  }
  return out
}

async function readByNode (port: number, head: string): Promise<Read | undefined> {
  const s = connect(port, '127.0.0.1')
  await once(s, 'connect')
  let text = ''
  s.setEncoding('latin1')
  s.on('data', (d: string) => { text += d })
  s.on('error', () => {})
  s.end(Buffer.from(head + '\r\n\r\n', 'latin1'))
  await once(s, 'close')
  const read = /\r\nX-Read: ([^\r]+)/.exec(text)?.[1]
  return text.startsWith('HTTP/1.1 200') && read !== undefined ? JSON.parse(Buffer.from(read, 'base64').toString('latin1')) as Read : undefined
}

test('every head the lean parser takes, node reads the same way', async t => {
  const server = createServer((req: IncomingMessage, res) => {
    // In a header, so that HEAD requests answer too.
    const read = JSON.stringify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, headers: req.headers })
    res.writeHead(200, { Connection: 'close', 'X-Read': Buffer.from(read, 'latin1').toString('base64') })
    res.end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  const port = (server.address() as AddressInfo).port
  let taken = 0
  for (const head of mutations(COUNT)) {
    const lean = parseLeanHead(head)
    if (lean === undefined) continue
    taken++
    const node = await readByNode(port, head)
    const what = JSON.stringify(head)
    assert.ok(node !== undefined, `node refused a head the lean parser took: ${what}`)
    assert.equal(lean.method, node.method, what)
    assert.equal(lean.url, node.url, what)
    // node keeps header bytes above 0x7f as latin1 characters too: compare the same strings.
    assert.deepEqual(lean.rawHeaders, node.rawHeaders, what)
    assert.deepEqual({ ...lean.headers }, node.headers, what)
  }
  // The mutations are meant to be mostly refused; enough must be taken for the comparison to mean something.
  assert.ok(taken >= 100, `only ${taken} of ${COUNT} heads taken`)
})
