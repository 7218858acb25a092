import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, test, type TestContext } from 'node:test'
import { createPythonLoader } from '../../../src/core/spawn/language-loader.js'
import { detectApp } from '../../../src/core/spawn/detect.js'
import type { AppSpec } from '../../../src/core/spawn/loader.js'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { loaderContract, spawnFor } from '../../contracts/loader.js'
import { clientFor, eventually, httpGet, isAlive } from '../../contracts/helpers.js'
import { missing, pythonWith } from '../../helpers/languages.js'

const python = pythonWith()
const skip = missing(python, 'python3')

function pythonApp (t: TestContext, name: string, envvars: Record<string, string> = {}): AppSpec {
  return detectApp(fixtureApp(name), { environment: 'staging', envvars, startTimeoutSeconds: 10, socketDir: tmpDir(t), python })
}

if (skip === false) {
  loaderContract('python', createPythonLoader, t => pythonApp(t, 'wsgi-lab'), t => ({
    neverReady: pythonApp(t, 'wsgi-never-ready'),
    crashing: pythonApp(t, 'wsgi-crashing'),
    ignoresSigterm: pythonApp(t, 'wsgi-ignores-sigterm')
  }))
}

describe('python loader (WSGI)', { skip }, () => {
  const loader = createPythonLoader()

  test('is detected from passenger_wsgi.py, serves one request at a time, titled "Ferry PythonApp: <root>"', async (t: TestContext) => {
    const app = pythonApp(t, 'wsgi-lab')
    assert.equal(app.type, 'python')
    const proc = await spawnFor(t, loader, app)
    assert.equal(proc.concurrency, 1)
    assert.equal(proc.target.kind, 'unix')
    const args = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').replace(/\0+$/, '')
    assert.equal(args, `Ferry PythonApp: ${app.root}`)
  })

  test('gives the app RACK_ENV, RAILS_ENV, PYTHONUNBUFFERED and a PEP 3333 environ', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, pythonApp(t, 'wsgi-lab'))
    const { body } = await clientFor(t, proc.target).request({ method: 'GET', path: '/env?a=%2F', headers: { 'x-custom': 'yes', 'x-forwarded-for': '10.0.0.1, 192.0.2.7', 'x-forwarded-proto': 'https' } })
    const env = await body.json() as Record<string, unknown>
    assert.deepEqual(env, {
      RACK_ENV: 'staging', RAILS_ENV: 'staging', PYTHONUNBUFFERED: '1', FERRY_APP_ENV: 'staging', VIRTUAL_ENV: null,
      SCRIPT_NAME: '', PATH_INFO: '/env', QUERY_STRING: 'a=%2F', SERVER_PROTOCOL: 'HTTP/1.1', REMOTE_ADDR: '192.0.2.7',
      'wsgi.url_scheme': 'https', HTTP_X_CUSTOM: 'yes', 'wsgi.multithread': false, executable: env.executable, prefix: env.prefix
    })
  })

  test('keeps the connection alive across requests, and serves write(), file_wrapper and HEAD', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, pythonApp(t, 'wsgi-lab'))
    const client = clientFor(t, proc.target)
    const sockets = new Set<unknown>()
    client.on('connect', (_origin, [c]) => sockets.add(c))
    const written = await client.request({ method: 'GET', path: '/write' })
    assert.equal(written.headers['transfer-encoding'], 'chunked')
    assert.equal(await written.body.text(), 'written, then returned')
    const file = await client.request({ method: 'GET', path: '/file' })
    assert.match(await file.body.text(), /A plain WSGI app/)
    const closing = await client.request({ method: 'GET', path: '/closing' })
    assert.equal(await closing.body.text(), 'closing, then closed')
    assert.equal(await (await client.request({ method: 'GET', path: '/closed' })).body.text(), '1', 'the body was closed once')
    const head = await client.request({ method: 'HEAD', path: '/' })
    assert.equal(head.statusCode, 200)
    assert.equal(await head.body.text(), '')
    assert.equal((await client.request({ method: 'GET', path: '/pid' })).statusCode, 200)
    assert.equal(sockets.size, 1, 'one connection served them all')
  })

  test('streams request bodies (chunked too) back as they arrive', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, pythonApp(t, 'wsgi-lab'))
    const client = clientFor(t, proc.target)
    async function * pieces (): AsyncGenerator<Buffer> { for (let i = 0; i < 5; i++) yield Buffer.from(`piece ${i};`) }
    const res = await client.request({ method: 'POST', path: '/echo', body: Readable.from(pieces()) })
    assert.equal(await res.body.text(), 'piece 0;piece 1;piece 2;piece 3;piece 4;')
    const again = await client.request({ method: 'POST', path: '/echo', body: 'plain' })
    assert.equal(await again.body.text(), 'plain')
  })

  test('an exception in a request is a 500 with the traceback in the log; the process keeps serving', async (t: TestContext) => {
    const lines: string[] = []
    const proc = await spawnFor(t, loader, pythonApp(t, 'wsgi-lab'), { onOutput: (_pid, _s, line) => lines.push(line) })
    const client = clientFor(t, proc.target)
    const res = await client.request({ method: 'GET', path: '/boom' })
    assert.equal(res.statusCode, 500)
    await res.body.text()
    assert.equal((await client.request({ method: 'GET', path: '/pid' })).statusCode, 200)
    assert.ok(await eventually(() => lines.some(l => l.includes('RuntimeError: boom in a request')), 2000), lines.join('\n'))
  })

  test('does out-of-band work on request: gc.collect(), or the hooks the app registered', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, pythonApp(t, 'wsgi-lab'))
    assert.equal(await proc.oobWork?.(3000), true, 'default work (gc.collect) reported done')
    await httpGet(proc.target, '/oob-hook')
    assert.equal(await proc.oobWork?.(3000), true)
    assert.equal(await proc.oobWork?.(3000), true)
    assert.equal((await httpGet(proc.target, '/oob-runs')).body, '2')
  })

  test('runs the app with the interpreter of a venv in the app root, as if activated', async (t: TestContext) => {
    const root = join(tmpDir(t), 'app')
    cpSync(fixtureApp('wsgi-lab'), root, { recursive: true })
    // The system's python3 when there is one: an app running as another user (Ferry is root) may not reach root's own.
    execFileSync(existsSync('/usr/bin/python3') ? '/usr/bin/python3' : python!, ['-m', 'venv', '--without-pip', join(root, 'venv')])
    const app = detectApp(root, { environment: 'staging', envvars: {}, startTimeoutSeconds: 10, socketDir: tmpDir(t) })
    const proc = await spawnFor(t, loader, app)
    const env = JSON.parse((await httpGet(proc.target, '/env')).body) as Record<string, string>
    assert.equal(env.VIRTUAL_ENV, join(root, 'venv'))
    assert.equal(env.prefix, join(root, 'venv'), 'sys.prefix is the venv: its site-packages are used')
    assert.equal(env.executable, join(root, 'venv', 'bin', 'python'))
  })

  test('stop() lets the request in flight finish, then the process exits on its own', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, pythonApp(t, 'wsgi-lab'))
    const inFlight = httpGet(proc.target, '/slow?ms=700')
    await new Promise(resolve => setTimeout(resolve, 200))
    const stopped = proc.stop(5000)
    const answer = await inFlight
    assert.equal(answer.status, 200)
    assert.equal(JSON.parse(answer.body).pid, proc.pid)
    const info = await stopped
    assert.equal(info.forced, false)
    assert.equal(info.code, 0)
    assert.ok(!isAlive(proc.pid))
  })

  test('SIGTERM alone (the channel still open) also lets the request in flight finish', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, pythonApp(t, 'wsgi-lab'))
    const inFlight = httpGet(proc.target, '/slow?ms=500')
    await new Promise(resolve => setTimeout(resolve, 200))
    process.kill(proc.pid, 'SIGTERM')
    assert.equal((await inFlight).status, 200)
    assert.deepEqual(await proc.exited, { code: 0, signal: null, forced: false })
  })
})
