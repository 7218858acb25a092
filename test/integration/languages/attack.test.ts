// Attacks on the Python/Ruby loaders from the app's side: what an app's code can make the core do. Those whose
// proof is that the core's own process lives on are in test/cli/languages/attack-core.test.ts.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { tmpDir } from '../../helpers/tmp.js'
import { logged } from '../../helpers/ferry.js'
import { startCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'
import { missing, pythonWith, rubyWith } from '../../helpers/languages.js'

const python = pythonWith()
const ruby = rubyWith('rack')

/** A redirect to a URL taken from the query string, as many apps have: the client chooses what goes in Location. */
const WSGI_REDIRECT = `from urllib.parse import unquote
def application(environ, start_response):
    target = unquote(environ.get('QUERY_STRING', ''))
    if environ['PATH_INFO'] == '/status':
        start_response('200 ' + target, [('Content-Length', '2')])
        return [b'ok']
    start_response('302 Found', [('Location', target), ('Content-Length', '0')])
    return [b'']
`
const RACK_REDIRECT = `require 'uri'
run lambda { |env|
  target = URI.decode_www_form_component(env['QUERY_STRING'])
  if env['PATH_INFO'] == '/array'
    [302, { 'location' => [target] }, []]
  else
    [302, { 'location' => target }, []]
  end
}
`
const INJECTED = encodeURIComponent('/home\r\nSet-Cookie: session=attacker')

async function assertNoInjection (url: string): Promise<void> {
  const r = await get(url)
  assert.equal(r.headers['set-cookie'], undefined, 'a header of the client\'s choice reached the response')
  assert.equal(r.status, 500)
}

describe('response heads from the loaders', () => {
  test('a WSGI header value or status with CR/LF (from user input) is a 500, not a header of the client\'s choice', { skip: missing(python, 'python3') }, async (t: TestContext) => {
    const dir = tmpDir(t)
    writeFileSync(join(dir, 'passenger_wsgi.py'), WSGI_REDIRECT)
    const f = await startCore(t, dir, ['--python', python!])
    await assertNoInjection(`${f.url}/go?${INJECTED}`)
    await assertNoInjection(`${f.url}/status?${INJECTED}`)
    const fine = await get(`${f.url}/go?${encodeURIComponent('/home')}`)
    assert.equal(fine.status, 302)
    assert.equal(fine.headers.location, '/home')
    await logged(f, /ValueError: invalid value for header Location/, 'the app\'s error in the log')
  })

  test('a Rack header value with CR (string or array) is a 500, not a header of the client\'s choice', { skip: missing(ruby, 'ruby with rack') }, async (t: TestContext) => {
    const dir = tmpDir(t)
    writeFileSync(join(dir, 'config.ru'), RACK_REDIRECT)
    const f = await startCore(t, dir, ['--ruby', ruby!])
    await assertNoInjection(`${f.url}/array?${INJECTED}`)
    const split = await get(`${f.url}/go?${INJECTED}`)
    assert.equal(split.headers['set-cookie'], undefined)
    assert.notEqual(split.status, 302, 'a Location with a CR in it was sent')
    const fine = await get(`${f.url}/go?${encodeURIComponent('/home')}`)
    assert.equal(fine.status, 302)
    assert.equal(fine.headers.location, '/home')
  })
})

const BODY_COUNTER = `def application(environ, start_response):
    n = len(environ['wsgi.input'].read())
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [str(n).encode()]
`

describe('slow clients and the one-request-at-a-time loaders', { skip: missing(python, 'python3') }, () => {
  // The core reads the body whole before it checks out a process (request-spool.ts), as Passenger buffers them.
  test('an upload trickled at 1 byte/s does not hold the only process of a Python app from everyone else', async (t: TestContext) => {
    const dir = tmpDir(t)
    writeFileSync(join(dir, 'passenger_wsgi.py'), BODY_COUNTER)
    const f = await startCore(t, dir, ['--python', python!, '--max-pool-size', '1'])
    assert.equal((await get(`${f.url}/`)).body, '0')
    const u = new URL(f.url)
    const slow = connect(Number(u.port), u.hostname)
    slow.on('error', () => {})
    slow.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc')
    const trickle = setInterval(() => slow.write('x'), 1000)
    try {
      await new Promise(resolve => setTimeout(resolve, 500))
      const r = await fetch(`${f.url}/`, { signal: AbortSignal.timeout(5000) })
      assert.equal(await r.text(), '0')
    } finally {
      // Before Ferry is stopped: else its graceful stop waits for this upload.
      clearInterval(trickle)
      slow.destroy()
    }
  })

  test('a chunked upload reaches a Python app whole, with a Content-Length; a body that stops arriving still gets 408', async (t: TestContext) => {
    const dir = tmpDir(t)
    writeFileSync(join(dir, 'passenger_wsgi.py'), BODY_DIGEST)
    const f = await startCore(t, dir, ['--python', python!, '--max-pool-size', '1', '--request-body-timeout', '1'])
    // One body kept in memory, one past it (stored in a file until it is whole).
    for (const size of [1000, 300_000]) {
      const body = randomBytes(size)
      const r = await request(`${f.url}/`, { method: 'POST', body: Readable.from([body.subarray(0, 100), body.subarray(100)]) })
      assert.deepEqual(await r.body.json(), { length: String(size), read: size, sha256: createHash('sha256').update(body).digest('hex') })
    }
    const u = new URL(f.url)
    const stalled = connect(Number(u.port), u.hostname)
    stalled.on('error', () => {})
    t.after(() => stalled.destroy())
    let answer = ''
    stalled.on('data', (d: Buffer) => { answer += d.toString('latin1') })
    stalled.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n' + 'x'.repeat(10))
    await waitFor(() => answer.includes('\r\n\r\n'), 6000, 'an answer to the stalled upload')
    assert.match(answer, /^HTTP\/1\.1 408 /)
    assert.equal((await get(`${f.url}/`)).status, 200, 'the app still serves')
  })
})

const BODY_DIGEST = `import hashlib, json
def application(environ, start_response):
    body = environ['wsgi.input'].read()
    out = {'length': environ.get('CONTENT_LENGTH'), 'read': len(body), 'sha256': hashlib.sha256(body).hexdigest()}
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [json.dumps(out).encode()]
`

const WSGI_WRONG_LENGTH = `import os
def application(environ, start_response):
    p = environ['PATH_INFO']
    if p == '/short':
        start_response('200 OK', [('Content-Length', '100')])
        return (piece for piece in [b'first part'])
    if p == '/long':
        start_response('200 OK', [('Content-Length', '2')])
        return (piece for piece in [b'ok', b'HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\nHIJACK'])
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [str(os.getpid()).encode()]
`
const RACK_WRONG_LENGTH = `class Pieces
  def initialize(*pieces) = @pieces = pieces
  def each(&block) = @pieces.each(&block)
end
run lambda { |env|
  case env['PATH_INFO']
  when '/short' then [200, { 'content-length' => '100' }, Pieces.new('first part')]
  when '/long' then [200, { 'content-length' => '2' }, Pieces.new('ok', "HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\nHIJACK")]
  else [200, { 'content-type' => 'text/plain' }, [Process.pid.to_s]]
  end
}
`

/** A body shorter than its Content-Length must not hold the only process; a longer one is cut to it. */
async function assertLengthKept (url: string): Promise<void> {
  const pid = (await get(`${url}/`)).body
  const short = fetch(`${url}/short`, { signal: AbortSignal.timeout(20_000) }).then(async r => await r.text()).catch((err: Error) => err)
  await new Promise(resolve => setTimeout(resolve, 300))
  const next = await fetch(`${url}/`, { signal: AbortSignal.timeout(5000) })
  assert.equal(await next.text(), pid, 'the next client is served by the same process')
  assert.ok(await short instanceof Error, 'the short body reaches its client as cut off, not as complete')
  const long = await get(`${url}/long`)
  assert.equal(long.body, 'ok')
  assert.equal((await get(`${url}/`)).body, pid, 'what was past the Content-Length is not the next response')
}

describe('a response body of another length than the app\'s Content-Length', () => {
  test('WSGI', { skip: missing(python, 'python3') }, async (t: TestContext) => {
    const dir = tmpDir(t)
    writeFileSync(join(dir, 'passenger_wsgi.py'), WSGI_WRONG_LENGTH)
    const f = await startCore(t, dir, ['--python', python!, '--max-pool-size', '1'])
    await assertLengthKept(f.url)
    await logged(f, /sent 10 bytes of body but a Content-Length of 100/, 'the warning for the app')
  })

  test('Rack', { skip: missing(ruby, 'ruby with rack') }, async (t: TestContext) => {
    const dir = tmpDir(t)
    writeFileSync(join(dir, 'config.ru'), RACK_WRONG_LENGTH)
    const f = await startCore(t, dir, ['--ruby', ruby!, '--max-pool-size', '1'])
    await assertLengthKept(f.url)
    await logged(f, /sent 10 bytes of body but a Content-Length of 100/, 'the warning for the app')
  })
})
