// Flying mode with real processes: the daemon on a Unix socket, apps named by the front server's headers (spawned on
// first request, stripped before the app, removed when idle), and the refusals that keep those headers safe.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, readFileSync, statSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from 'undici'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry, startFly, logged } from '../../helpers/ferry.js'
import { get } from '../../helpers/http.js'
import { isAlive, waitFor } from '../../helpers/procs.js'
import { runCli } from '../../helpers/cli.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

function overSocket (t: Parameters<typeof tmpDir>[0], socket: string): (path: string, headers?: Record<string, string>) => Promise<{ status: number, body: string }> {
  const client = new Client('http://localhost', { socketPath: socket })
  t.after(() => client.close())
  return async (path, headers = {}) => {
    const res = await client.request({ path, method: 'GET', headers: { host: 'front.test', ...headers } })
    return { status: res.statusCode, body: await res.body.text() }
  }
}

test('fly: a socket of mode 0660; an app root named by the front server is spawned on first request and removed when idle', async t => {
  const dir = tmpDir(t)
  const app = join(dir, 'app')
  cpSync(fixtureApp('named'), app, { recursive: true })
  const socket = join(dir, 'ferry.sock')
  const registry = tmpDir(t)
  const f = await startFly(t, socket, ['--trust-front-headers', '--pool-idle-time', '1', '--instance-registry-dir', registry])
  assert.equal(statSync(socket).mode & 0o777, 0o660)
  const send = overSocket(t, socket)
  const call = adminClient(t, instanceDirIn(registry))
  const props = JSON.parse(readFileSync(join(instanceDirIn(registry), 'properties.json'), 'utf8')) as { integration_mode: string }
  assert.equal(props.integration_mode, 'flying', 'properties.json tells status tools this instance flies behind a front server')
  const groups = async (): Promise<number> => (JSON.parse((await call('/pool.json')).body) as { pool: { groups: unknown[] } }).pool.groups.length
  assert.equal(await groups(), 0, 'no app until one is named')
  assert.equal((await send('/')).status, 404, 'no configured app answers an unnamed request')

  const first = await send('/x?y=1', { 'X-Ferry-App-Root': app, 'X-Ferry-App-Env': 'staging' })
  assert.equal(first.status, 200, first.body)
  const seen = JSON.parse(first.body) as { pid: number, url: string, env: string, headers: Record<string, string> }
  assert.equal(seen.url, '/x?y=1')
  assert.equal(seen.env, 'staging')
  assert.equal(Object.keys(seen.headers).filter(h => h.startsWith('x-ferry-')).length, 0, 'the front server\'s headers never reach the app')
  const again = JSON.parse((await send('/', { 'X-Ferry-App-Root': app })).body) as { pid: number }
  assert.equal(again.pid, seen.pid, 'the same app, the same process')
  assert.equal(await groups(), 1)

  await waitFor(() => !isAlive(seen.pid), 10_000, 'the idle process to stop')
  await waitFor(async () => await groups() === 0, 10_000, 'the idle app to be removed')
  await logged(f, /named by the front server\) was idle/)
  const back = await send('/', { 'X-Ferry-App-Root': app })
  assert.equal(back.status, 200, 'named again: spawned again')
})

test('a root named through a symlink is the same app; a refused root stays refused for a moment', async t => {
  const dir = tmpDir(t)
  const app = join(dir, 'app')
  cpSync(fixtureApp('named'), app, { recursive: true })
  symlinkSync(app, join(dir, 'current'))
  const socket = join(dir, 'ferry.sock')
  await startFly(t, socket, ['--trust-front-headers'])
  const send = overSocket(t, socket)
  const a = JSON.parse((await send('/', { 'X-Ferry-App-Root': app })).body) as { pid: number }
  const b = JSON.parse((await send('/', { 'X-Ferry-App-Root': join(dir, 'current') })).body) as { pid: number }
  assert.equal(b.pid, a.pid)
  const missing = join(dir, 'later')
  assert.equal((await send('/', { 'X-Ferry-App-Root': missing })).status, 404)
  cpSync(fixtureApp('named'), missing, { recursive: true })
  assert.equal((await send('/', { 'X-Ferry-App-Root': missing })).status, 404, 'remembered as refused (5 s)')
})

test('turbocache: a configured app and one named by the front server never share an entry, even for one Host and path', async t => {
  const dir = tmpDir(t)
  for (const n of ['configured', 'named']) cpSync(fixtureApp('cache-lab'), join(dir, n), { recursive: true })
  const { writeFileSync } = await import('node:fs')
  writeFileSync(join(dir, 'ferry.json'), JSON.stringify({ apps: [{ root: 'configured' }] }))
  const socket = join(dir, 'ferry.sock')
  await startFly(t, socket, ['--trust-front-headers', '--config', join(dir, 'ferry.json')])
  const send = overSocket(t, socket)
  const serial = async (headers: Record<string, string> = {}): Promise<string> => /serial=(\d+)/.exec((await send('/public', headers)).body)?.[1] ?? 'none'
  // Uncached requests first, so the configured app's serials run ahead of the named app's.
  await send('/plain')
  await send('/plain')
  const fromConfigured = await serial()
  assert.equal(fromConfigured, '3')
  assert.equal(await serial(), fromConfigured, 'cached for the configured app')
  const fromNamed = await serial({ 'X-Ferry-App-Root': join(dir, 'named') })
  assert.equal(fromNamed, '1', 'the named app answered itself, with its own first serial')
  assert.equal(await serial({ 'X-Ferry-App-Root': join(dir, 'named') }), fromNamed, 'and has its own entry')
  assert.equal(await serial(), fromConfigured)
})

test('front headers are refused where they are not trusted, and a bad root is an error page, not a crash', async t => {
  const dir = tmpDir(t)
  const socket = join(dir, 'ferry.sock')
  const untrusted = await startFly(t, socket)
  const send = overSocket(t, socket)
  const refused = await send('/', { 'X-Ferry-App-Root': fixtureApp('named') })
  assert.equal(refused.status, 400)
  assert.match(refused.body, /only on a Unix socket with --trust-front-headers/)
  await untrusted.stop()

  const tcp = await startFerry(t, fixtureApp('named'), ['--trust-front-headers'])
  const onTcp = await get(`${tcp.url}/`, { headers: { 'X-Ferry-App-Root': fixtureApp('hello') } })
  assert.equal(onTcp.status, 400, 'never on TCP, whatever the flag says')
  assert.match(tcp.output(), /--trust-front-headers is honoured only on a Unix socket/)

  const socket2 = join(dir, 'trusted.sock')
  await startFly(t, socket2, ['--trust-front-headers'])
  const send2 = overSocket(t, socket2)
  assert.equal((await send2('/', { 'X-Ferry-App-Root': 'relative/path' })).status, 404)
  assert.equal((await send2('/', { 'X-Ferry-App-Root': join(dir, 'missing') })).status, 404)
  assert.equal((await send2('/', { 'X-Ferry-App-Root': fixtureApp('named'), 'X-Ferry-App-Type': 'cobol' })).status, 400, 'an app type Ferry has no loader for')
  assert.equal((await send2('/', { 'X-Ferry-App-Root': fixtureApp('named'), 'X-Ferry-App-Type': 'node' })).status, 200, 'still serving')
})

test('fly --daemonize with a pid file; ferry stop --pid-file stops it and its apps', async t => {
  const dir = tmpDir(t)
  const socket = join(dir, 'ferry.sock')
  const pidFile = join(dir, 'ferry.pid')
  const config = join(dir, 'ferry.json')
  cpSync(fixtureApp('named'), join(dir, 'app'), { recursive: true })
  const { writeFileSync } = await import('node:fs')
  writeFileSync(config, JSON.stringify({ apps: [{ root: 'app', envvar: ['APP_NAME=daemon'] }] }))
  const started = await runCli(['fly', '--socket-file', socket, '--config', config, '--daemonize', '--pid-file', pidFile, '--log-file', join(dir, 'log'),
    '--instance-registry-dir', dir])
  t.after(async () => { await runCli(['stop', '--pid-file', pidFile]) })
  assert.equal(started.code, 0, started.stderr)
  const send = overSocket(t, socket)
  const r = await send('/')
  assert.equal(JSON.parse(r.body).name, 'daemon')
  const appPid = JSON.parse(r.body).pid as number
  const stopped = await runCli(['stop', '--pid-file', pidFile])
  assert.equal(stopped.code, 0, stopped.stderr)
  await waitFor(() => !isAlive(appPid), 10_000, 'the app process to stop with the daemon')
})

test('fly without --socket-file is a one-line usage error', async () => {
  const r = await runCli(['fly'])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /^ferry: ferry fly needs --socket-file PATH.*\[E_USAGE\]\n$/)
})
