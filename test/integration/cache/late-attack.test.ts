// Attacks from outside on the pass path (lazy Vary fields, the early hit-for-pass) and the one clock reading per read
// batch: real Ferry, the cache-attack app, raw sockets; several requests pipelined in one write are one read batch.
import { test } from 'node:test'
import { connect } from 'node:net'
import { once } from 'node:events'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { startCore } from '../../helpers/core.js'
import { rawExchange } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'
import { parseAnswers, type Answer } from '../../helpers/raw-answers.js'

const echo = (a: Answer): string => /echo=(.*)$/m.exec(a.body)?.[1] ?? ''
const serialOf = (a: Answer): string => /serial=(\d+)/.exec(a.body)?.[1] ?? `none in ${a.status}`

function path (name: string, headers: readonly string[], echoed = ''): string {
  const q = new URLSearchParams(headers.map((h): [string, string] => ['h', h]))
  if (echoed !== '') q.set('echo', echoed)
  return `/${name}?${q.toString()}`
}

/** Requests pipelined in one write (each [method, target, extra lines]); their answers in order. */
async function pipelined (url: string, reqs: ReadonlyArray<readonly [string, string, readonly string[]]>): Promise<Answer[]> {
  const payload = reqs.map(([m, target, lines], i) => `${m} ${target} HTTP/1.1\r\nHost: lab\r\n${lines.map(l => `${l}\r\n`).join('')}` +
    `${m === 'POST' ? 'Content-Length: 0\r\n' : ''}${i === reqs.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('')
  const out = await rawExchange(url, payload, 5000)
  const answers = parseAnswers(out, reqs.map(r => r[0]))
  assert.ok(answers !== undefined && answers.length === reqs.length, `answers: ${out.slice(0, 400)}`)
  return answers
}

test('late attacks on the pass path and the read clock', async t => {
  const f = await startCore(t, fixtureApp('cache-attack'))

  await t.test('Vary: Cookie variants pipelined in one read never cross', async () => {
    const p = path('vc', ['Cache-Control: public, max-age=60', 'Vary: Cookie'], 'Cookie')
    const seq = ['u=a', 'u=b', 'u=a', 'u=c', 'u=b'] as const
    const first = await pipelined(f.url, seq.map(c => ['GET', p, [`Cookie: ${c}`]] as const))
    assert.deepEqual(first.map(echo), [...seq])
    const again = await pipelined(f.url, seq.map(c => ['GET', p, [`Cookie: ${c}`]] as const))
    assert.deepEqual(again.map(echo), [...seq])
    // And a cookie-less request is none of theirs.
    const anon = await pipelined(f.url, [['GET', p, []], ['GET', p, ['Cookie: u=a']]])
    assert.deepEqual(anon.map(echo), ['-', 'u=a'])
  })

  await t.test('Vary: Accept-Encoding and Authorization variants never cross', async () => {
    const p = path('ae', ['Cache-Control: public, max-age=60', 'Vary: Accept-Encoding, Authorization'], 'Accept-Encoding')
    const reqs = [['GET', p, ['Accept-Encoding: gzip']], ['GET', p, []], ['GET', p, ['Accept-Encoding: br']], ['GET', p, ['Accept-Encoding: gzip', 'Authorization: Basic eDp5']]] as const
    for (let i = 0; i < 2; i++) assert.deepEqual((await pipelined(f.url, reqs)).map(echo), ['gzip', '-', 'br', 'gzip'])
    const auth = await pipelined(f.url, [['GET', p, ['Accept-Encoding: gzip', 'Authorization: Basic eDp5']], ['GET', p, ['Accept-Encoding: gzip', 'Authorization: Basic enp6']]])
    assert.notEqual(serialOf(auth[0]), serialOf(auth[1]), 'another user\'s Authorization got the first one\'s answer')
  })

  await t.test('a POST pipelined between hits invalidates: the GET after it is not the old answer', async () => {
    const p = path('inv', ['Cache-Control: public, max-age=60'])
    const [a, b] = await pipelined(f.url, [['GET', p, []], ['GET', p, []]])
    assert.equal(serialOf(a), serialOf(b))
    const [hit, , after] = await pipelined(f.url, [['GET', p, []], ['POST', p, []], ['GET', p, []]])
    assert.equal(serialOf(hit), serialOf(a))
    assert.notEqual(serialOf(after), serialOf(a), 'the GET after a POST got the answer stored before it')
  })

  await t.test('Age and Date of pipelined hits are within a second of the truth; a stale entry is not served', async () => {
    const p = path('age', ['Cache-Control: public, max-age=2'])
    const [stored] = await pipelined(f.url, [['GET', p, []]])
    await new Promise(resolve => setTimeout(resolve, 1100))
    const hits = await pipelined(f.url, Array.from({ length: 50 }, () => ['GET', p, []] as const))
    for (const h of hits) {
      assert.equal(serialOf(h), serialOf(stored))
      assert.equal(h.headers.age, '1')
      // The app's Date is kept (RFC 9111 §4): the time it made the answer; Age tells the rest.
      assert.equal(h.headers.date, stored.headers.date)
    }
    await new Promise(resolve => setTimeout(resolve, 1000))
    const [late] = await pipelined(f.url, [['GET', p, []]])
    assert.notEqual(serialOf(late), serialOf(stored), 'served past its max-age')
  })
})

test('static spellings: nothing outside public/ or a dot-file is served; the file itself is, with a query', async t => {
  const app = tmpDir(t)
  cpSync(fixtureApp('static-site'), app, { recursive: true })
  writeFileSync(join(app, 'secret.txt'), 'SECRET\n')
  writeFileSync(join(app, 'public', 'b.txt'), 'PUBLIC-B\n')
  writeFileSync(join(app, 'public', '.env'), 'DOTENV\n')
  mkdirSync(join(app, 'public', 'd'))
  writeFileSync(join(app, 'public', 'd', 'c.txt'), 'PUBLIC-C\n')
  symlinkSync(join(app, 'secret.txt'), join(app, 'public', 'link.txt'))
  const f = await startCore(t, app)
  const body = async (target: string): Promise<string> => {
    const out = await rawExchange(f.url, `GET ${target} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n`)
    return out.slice(out.indexOf('\r\n\r\n') + 4)
  }
  for (const target of ['/b.txt', '/b.txt?x=1', '/%62.txt', '/d/c.txt', '/d/%63.txt?y']) {
    assert.match(await body(target), /PUBLIC-/, `${target} is a file of public/`)
  }
  for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/d/../../secret.txt', '//secret.txt',
    '/link.txt', '/.env', '/%2eenv', '/d/..%2f.env', '/b.txt%00', '/b.txt%00.png', '/d/%2e%2e/.env', '/d%2f..%2f..%2fsecret.txt',
    '/B.TXT', '/b.txt/', '/b.txt#x', '/d//c.txt', '/./b.txt', '/d/./c.txt', '/b.txt%2f', '/%5cb.txt']) {
    const got = await body(target)
    assert.doesNotMatch(got, /SECRET|DOTENV/, `${target} served a file it must not`)
  }
})

test('a request\'s byte counts after hits and raw writes on its connection: its own head in, nothing out yet', async t => {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('cache-attack'), [], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  const hitPath = path('bc', ['Cache-Control: public, max-age=60'])
  const slow = `${path('bc-slow', ['Cache-Control: no-store'])}&delay=1200`
  const head = (target: string, last = false): string => `GET ${target} HTTP/1.1\r\nHost: lab\r\n${last ? 'Connection: close\r\n' : ''}\r\n`
  await rawExchange(f.url, head(hitPath, true))
  const exchange = rawExchange(f.url, [head(hitPath), head(hitPath), head(slow, true)], 5000)
  type R = { path: string, bytes_in: number, bytes_out: number }
  let found: R | undefined
  for (let i = 0; i < 50 && found === undefined; i++) {
    await new Promise(resolve => setTimeout(resolve, 50))
    found = (JSON.parse((await call('/requests.json')).body) as { requests: R[] }).requests.find(r => r.path === slow)
  }
  assert.ok(found !== undefined, 'the slow request is listed')
  assert.equal(found.bytes_out, 0, 'bytes out before its answer began')
  assert.equal(found.bytes_in, Buffer.byteLength(head(slow, true)), 'bytes in: its own head')
  assert.match(await exchange, /serial=/)

  // A POST (node's server parses it) after a hit on the same connection: its head in, then its body as it comes.
  const postHead = 'POST /bc-post?slow=1500 HTTP/1.1\r\nHost: lab\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\n'
  const { port } = new URL(f.url)
  const client = connect(Number(port), '127.0.0.1')
  t.after(() => client.destroy())
  let answer = ''
  client.setEncoding('latin1').on('data', d => { answer += String(d) })
  client.write(head(hitPath))
  await waitFor(async () => answer.includes('serial='), 5000, 'the hit')
  const hitLength = answer.length
  client.write(postHead)
  const listed = async (): Promise<R | undefined> =>
    (JSON.parse((await call('/requests.json')).body) as { requests: R[] }).requests.find(r => r.path.startsWith('/bc-post'))
  await waitFor(async () => (await listed()) !== undefined, 5000, 'the POST listed')
  assert.equal((await listed())?.bytes_in, postHead.length, 'bytes in: its head')
  client.write('hello')
  await waitFor(async () => (await listed())?.bytes_in === postHead.length + 5, 5000, 'bytes in: its head and body')
  // Its answer has begun (the app holds its end back): bytes out are what the client has of it, no hit's bytes.
  await waitFor(async () => answer.includes('done'), 5000, 'the answer begun')
  assert.equal((await listed())?.bytes_out, answer.length - hitLength, 'bytes out: what the client has of its answer')
  const posting = once(client, 'close')
  await posting
  assert.match(answer, /done/)
})
