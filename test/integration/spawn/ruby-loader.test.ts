import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, test, type TestContext } from 'node:test'
import { createRubyLoader } from '../../../src/core/spawn/language-loader.js'
import { detectApp } from '../../../src/core/spawn/detect.js'
import type { AppSpec } from '../../../src/core/spawn/loader.js'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { loaderContract, spawnFor } from '../../contracts/loader.js'
import { clientFor, eventually, httpGet, isAlive } from '../../contracts/helpers.js'
import { missing, rubyWith } from '../../helpers/languages.js'

const ruby = rubyWith('rack')
const skip = missing(ruby, 'ruby with the rack gem (ruby-rack)')

function rubyApp (t: TestContext, name: string, envvars: Record<string, string> = {}): AppSpec {
  return detectApp(fixtureApp(name), { environment: 'staging', envvars, startTimeoutSeconds: 10, socketDir: tmpDir(t), ruby })
}

if (skip === false) {
  loaderContract('ruby', createRubyLoader, t => rubyApp(t, 'rack-lab'), t => ({
    neverReady: rubyApp(t, 'rack-never-ready'),
    crashing: rubyApp(t, 'rack-crashing'),
    ignoresSigterm: rubyApp(t, 'rack-ignores-sigterm')
  }))
}

describe('ruby loader (Rack)', { skip }, () => {
  const loader = createRubyLoader()

  test('is detected from config.ru, serves one request at a time, titled "Ferry RubyApp: <root>"', async (t: TestContext) => {
    const app = rubyApp(t, 'rack-lab')
    assert.equal(app.type, 'ruby')
    const proc = await spawnFor(t, loader, app)
    assert.equal(proc.concurrency, 1)
    const args = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').replace(/\0+$/, '')
    assert.equal(args, `Ferry RubyApp: ${app.root}`)
  })

  test('gives the app RACK_ENV, RAILS_ENV and a Rack env without hijacking', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, rubyApp(t, 'rack-lab'))
    const { body } = await clientFor(t, proc.target).request({ method: 'GET', path: '/env?a=%2F', headers: { 'x-custom': 'yes', 'x-forwarded-for': '10.0.0.1, 192.0.2.7', 'x-forwarded-proto': 'https' } })
    assert.deepEqual(await body.json(), {
      RACK_ENV: 'staging', RAILS_ENV: 'staging', PYTHONUNBUFFERED: '1', FERRY_APP_ENV: 'staging', BUNDLE_GEMFILE: null,
      SCRIPT_NAME: '', PATH_INFO: '/env', QUERY_STRING: 'a=%2F', SERVER_PROTOCOL: 'HTTP/1.1', REMOTE_ADDR: '192.0.2.7',
      'rack.url_scheme': 'https', HTTP_X_CUSTOM: 'yes', 'rack.hijack?': false, 'rack.multithread': false
    })
  })

  test('keeps the connection alive; rack.input streams (chunked too) and rewinds; streaming bodies', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, rubyApp(t, 'rack-lab'))
    const client = clientFor(t, proc.target)
    const sockets = new Set<unknown>()
    client.on('connect', (_origin, [c]) => sockets.add(c))
    async function * pieces (): AsyncGenerator<Buffer> { for (let i = 0; i < 5; i++) yield Buffer.from(`piece ${i};`) }
    const echoed = await client.request({ method: 'POST', path: '/echo', body: Readable.from(pieces()) })
    assert.equal(echoed.headers['transfer-encoding'], 'chunked')
    assert.equal(await echoed.body.text(), 'piece 0;piece 1;piece 2;piece 3;piece 4;')
    const big = Buffer.alloc(3 * 1024 * 1024, 'b')
    big.write('first line\n')
    const rewound = await client.request({ method: 'POST', path: '/rewind', body: big })
    assert.equal(await rewound.body.text(), `"first line\\n" ${big.length}`)
    const streamed = await client.request({ method: 'GET', path: '/stream' })
    assert.equal(await streamed.body.text(), 'streamed, then closed', 'a Rack 3 streaming body (call)')
    const closing = await client.request({ method: 'GET', path: '/closing' })
    assert.equal(await closing.body.text(), 'closing, then closed')
    assert.equal(await (await client.request({ method: 'GET', path: '/closed' })).body.text(), '1', 'the body was closed once')
    const head = await client.request({ method: 'HEAD', path: '/' })
    assert.equal(await head.body.text(), '')
    assert.equal(sockets.size, 1, 'one connection served them all')
  })

  test('an exception in a request is a 500 with the backtrace in the log; the process keeps serving', async (t: TestContext) => {
    const lines: string[] = []
    const proc = await spawnFor(t, loader, rubyApp(t, 'rack-lab'), { onOutput: (_pid, _s, line) => lines.push(line) })
    const client = clientFor(t, proc.target)
    const res = await client.request({ method: 'GET', path: '/boom' })
    assert.equal(res.statusCode, 500)
    await res.body.text()
    assert.equal((await client.request({ method: 'GET', path: '/pid' })).statusCode, 200)
    assert.ok(await eventually(() => lines.some(l => l.includes('RuntimeError: boom in a request')), 2000), lines.join('\n'))
  })

  test('does out-of-band work on request: GC.start, or the hooks the app registered', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, rubyApp(t, 'rack-lab'))
    assert.equal(await proc.oobWork?.(3000), true, 'default work (GC.start) reported done')
    await httpGet(proc.target, '/oob-hook')
    assert.equal(await proc.oobWork?.(3000), true)
    assert.equal(await proc.oobWork?.(3000), true)
    assert.equal((await httpGet(proc.target, '/oob-runs')).body, '2')
  })

  test('with a Gemfile, runs the app as under bundle exec: only the bundle\'s gems load', async (t: TestContext) => {
    const root = join(tmpDir(t), 'app')
    cpSync(fixtureApp('rack-lab'), root, { recursive: true })
    writeFileSync(join(root, 'Gemfile'), 'source "https://rubygems.org"\ngem "rack"\n')
    // As `bundle lock --local` would: the lock file an app is deployed with (resolved from installed gems, offline).
    execFileSync(ruby!, ['-rbundler/setup', '-e', ''], { cwd: root, env: { ...process.env, BUNDLE_GEMFILE: join(root, 'Gemfile') } })
    const proc = await spawnFor(t, loader, detectApp(root, { environment: 'staging', envvars: {}, startTimeoutSeconds: 10, socketDir: tmpDir(t), ruby }))
    const env = JSON.parse((await httpGet(proc.target, '/env')).body) as Record<string, string>
    assert.equal(env.BUNDLE_GEMFILE, join(root, 'Gemfile'))
    const bundle = JSON.parse((await httpGet(proc.target, '/bundle')).body) as Record<string, unknown>
    assert.equal(bundle.bundler, true)
    if (rubyWith('sinatra/base') !== undefined) assert.equal(bundle.sinatra, 'not loadable')
    const plain = await spawnFor(t, loader, rubyApp(t, 'rack-lab'))
    assert.deepEqual(JSON.parse((await httpGet(plain.target, '/bundle')).body), { bundler: false, sinatra: rubyWith('sinatra/base') === undefined ? 'not loadable' : 'loadable' })
  })

  test('stop() lets the request in flight finish, then the process exits on its own', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, rubyApp(t, 'rack-lab'))
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
    const proc = await spawnFor(t, loader, rubyApp(t, 'rack-lab'))
    const inFlight = httpGet(proc.target, '/slow?ms=500')
    await new Promise(resolve => setTimeout(resolve, 200))
    process.kill(proc.pid, 'SIGTERM')
    assert.equal((await inFlight).status, 200)
    assert.deepEqual(await proc.exited, { code: 0, signal: null, forced: false })
  })
})
