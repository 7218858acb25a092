// Reproductions from a hostile review of the front (framing, Host, forwarded headers, refusals) against a real Ferry
// and the proxy-lab app: each failed before its fix.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { startFerry, type RunningFerry } from '../../helpers/ferry.js'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { getJson } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

/** Sends `parts` on one connection (the next once a byte of answer came back, when `stepwise`) and resolves all that came back once the server closed it. */
async function raw (url: string, parts: readonly string[], stepwise = false): Promise<string> {
  const { hostname, port } = new URL(url)
  return await new Promise((resolve, reject) => {
    let out = ''
    let next = 0
    const s = connect(Number(port), hostname, () => {
      if (stepwise) s.write(Buffer.from(parts[next++]!, 'latin1'))
      else for (; next < parts.length; next++) s.write(Buffer.from(parts[next]!, 'latin1'))
    })
    s.setEncoding('latin1')
    s.on('data', (d: string) => {
      out += d
      if (next < parts.length) s.write(Buffer.from(parts[next++]!, 'latin1'))
    })
    s.on('error', reject)
    s.on('close', () => resolve(out))
    setTimeout(() => s.destroy(), 5_000).unref()
  })
}

const cleanups: Array<() => unknown> = []
after(async () => {
  if (shared !== undefined) await forceStop(await shared)
  for (const c of cleanups) await c()
})
let shared: Promise<RunningFerry> | undefined
async function ferry (): Promise<RunningFerry> {
  shared ??= startFerry({ after: (fn: () => unknown) => cleanups.push(fn) } as unknown as TestContext, fixtureApp('proxy-lab'), ['--max-pool-size', '1'])
  return await shared
}

/** A chunked body decoded, as far as it is well formed. */
function dechunk (body: string): string {
  let out = ''
  for (let at = 0; ;) {
    const eol = body.indexOf('\r\n', at)
    const size = eol < 0 ? NaN : Number.parseInt(body.slice(at, eol), 16)
    if (!(size > 0) || body.slice(eol + 2 + size, eol + 4 + size) !== '\r\n') return out
    out += body.slice(eol + 2, eol + 2 + size)
    at = eol + 4 + size
  }
}

/** A leaked request makes a graceful stop wait its full 30 s: the watchdog's SIGTERM, then the core's twice more, force it. */
async function forceStop (f: RunningFerry): Promise<void> {
  f.proc.kill('SIGTERM')
  for (let i = 0; i < 2; i++) {
    await new Promise(resolve => setTimeout(resolve, 200))
    try { process.kill(f.corePid, 'SIGTERM') } catch { /* it has already exited */ }
  }
}

const arrivals = async (f: RunningFerry): Promise<Record<string, number>> => await getJson<Record<string, number>>(f.url + '/arrivals')

test('a client cannot reach the app with forwarded headers by another spelling (underscores, Forwarded, X-Forwarded-Ssl/-Port/-Scheme)', async () => {
  const f = await ferry()
  const text = await raw(f.url, ['GET /echo HTTP/1.1\r\nHost: a.test\r\nX-Forwarded_For: 6.6.6.6\r\nX_Forwarded_Proto: https\r\n' +
    'X-Forwarded_Host: evil.test\r\nForwarded: for=6.6.6.6;proto=https;host=evil.test\r\nX-Forwarded-Ssl: on\r\n' +
    'X-Forwarded-Port: 443\r\nX-Forwarded-Scheme: https\r\nConnection: close\r\n\r\n'])
  const seen = (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> }).headers
  // A CGI-style server (Python's wsgiref, PHP, older Puma/gunicorn) maps X-Forwarded_For onto HTTP_X_FORWARDED_FOR;
  // Rack and others read Forwarded and X-Forwarded-Ssl. nginx drops names with underscores by default.
  const spoofable = Object.keys(seen).filter(n => n.includes('_') || n === 'forwarded' || /^x-forwarded-(ssl|port|scheme)$/.test(n))
  assert.deepEqual(spoofable, [])
})

test('a request pipelined behind one Ferry refused never reaches the app', async () => {
  const f = await ferry()
  const text = await raw(f.url, ['POST /pid HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nContent-Length: 0\r\n\r\n' +
    'POST /behind-refused HTTP/1.1\r\nHost: a.test\r\nContent-Length: 0\r\n\r\n'])
  assert.match(text, /^HTTP\/1\.1 400 /)
  assert.equal((await arrivals(f))['POST /behind-refused'], undefined, 'the app never saw the request behind the refused one')
})

test('bytes after a Connection: close request do not replace its response with a 400', async () => {
  const f = await ferry()
  const before = (await arrivals(f))['POST /pid'] ?? 0
  const text = await raw(f.url, ['POST /pid HTTP/1.1\r\nHost: a.test\r\nContent-Length: 0\r\nConnection: close\r\n\r\nX'])
  assert.equal((await arrivals(f))['POST /pid'], before + 1, 'the app acted on the request')
  assert.match(text, /^HTTP\/1\.1 200 /, 'so the client gets its answer (nginx answers it and ignores the rest)')
})

test('a malformed request pipelined behind a streaming response does not write a 400 into that response', async () => {
  const f = await ferry()
  // Content-Length: 0 takes the request to node's parser; the junk is sent once the first chunk has arrived.
  const text = await raw(f.url, ['GET /chunked HTTP/1.1\r\nHost: a.test\r\nContent-Length: 0\r\n\r\n', 'BOGUS\r\n\r\n'], true)
  assert.equal(dechunk(text.slice(text.indexOf('\r\n\r\n') + 4)), 'part 0\npart 1\npart 2\n', `the response was cut: ${JSON.stringify(text)}`)
})

test('an HTTP/1.0 absolute-form request without Host reaches the app with the target\'s host as Host', async () => {
  const f = await ferry()
  const text = await raw(f.url, ['GET http://a.test/echo HTTP/1.0\r\n\r\n'])
  assert.match(text, /^HTTP\/1\.1 200 /)
  const seen = (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> }).headers
  assert.equal(seen.host, 'a.test')
})

test('a request pipelined behind a refused one leaves nothing in flight and holds no session once the connection is gone', async t => {
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('proxy-lab'), ['--max-pool-size', '1', '--concurrency', '1', '--response-buffer-high-watermark', '1048576'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  try {
    // One connection: a Host Ferry refuses (400, Connection: close), then a request node's parser still hands over.
    const text = await raw(f.url, ['GET /pid HTTP/1.1\r\nHost: a b\r\n\r\nGET /download?mb=4 HTTP/1.1\r\nHost: a.test\r\n\r\n'])
    assert.match(text, /^HTTP\/1\.1 400 /)
    await new Promise(resolve => setTimeout(resolve, 500))
    // The 4 MiB answer is more than the 1 MiB read ahead: a response nobody reads keeps the exchange, and with
    // --concurrency 1 a held session makes the next request wait forever.
    const pid = await Promise.race([getJson<{ pid: number }>(f.url + '/pid'), new Promise(resolve => setTimeout(resolve, 3000, 'timed out'))])
    const { requests } = JSON.parse((await call('/requests.json')).body) as { requests: Array<{ path: string, state: string }> }
    assert.deepEqual(requests.map(r => `${r.path} ${r.state}`), [], 'nothing is in flight for a connection that is gone')
    assert.notEqual(pid, 'timed out', 'the process is free for the next request')
  } finally {
    await forceStop(f)
  }
})
