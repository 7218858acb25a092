// `ferry cache purge` and the cache's figures in `ferry status --show server`, as subprocesses against a real
// Ferry serving two copies of the cache-lab app: a purged entry's next request reaches the app, the rest stay
// cached, the read-only account is refused, and the counters move with the test's own traffic.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { logged, runFerry } from '../helpers/ferry.js'
import { get } from '../helpers/http.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'
import { adminClient, instanceDirIn } from '../helpers/instance.js'

const serial = (body: string): number => Number(/serial=(\d+)/.exec(body)?.[1] ?? NaN)

interface Turbocaching { entries: number, bytes: number, max_bytes: number, fetches: number, hits: number, misses: number, collapsed: number, revalidations: number, revalidated: number, stale_served: number }

test('ferry cache purge URL, --app, --all: purged entries reach the app again, others stay; status shows the counters', async t => {
  const dir = tmpDir(t)
  const registry = tmpDir(t)
  cpSync(fixtureApp('cache-lab'), join(dir, 'a'), { recursive: true })
  cpSync(fixtureApp('cache-lab'), join(dir, 'b'), { recursive: true })
  const [a, b] = [join(dir, 'a'), join(dir, 'b')]
  const config = join(dir, 'ferry.json')
  writeFileSync(config, JSON.stringify({
    'vary-turbocache-by-cookie': 'user',
    'turbocache-size': 1048576,
    apps: [{ root: 'a', server_names: ['a.test'] }, { root: 'b', server_names: ['b.test'] }]
  }))
  const f = await runFerry(t, ['start', '--config', config, '--port', '0', '--address', '127.0.0.1', '--instance-registry-dir', registry])
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  const name = basename(instanceDirIn(registry)).slice('ferry.'.length)
  const call = adminClient(t, instanceDirIn(registry))

  /** One request as a client of `host` would send it; `cached` when the answer came from the turbocache. */
  const ask = async (host: string, path: string, user?: string): Promise<{ serial: number, cached: boolean }> => {
    const r = await get(f.url + path, { headers: { host, ...(user === undefined ? {} : { cookie: `user=${user}` }) } })
    assert.equal(r.status, 200, r.body)
    return { serial: serial(r.body), cached: r.headers.age !== undefined }
  }
  const status = async (): Promise<Turbocaching> => {
    const r = await runCli(['status', '--show', 'server', '--json'], { env })
    assert.equal(r.code, 0, r.stderr)
    return (JSON.parse(r.stdout) as { thread1: { turbocaching: Turbocaching } }).thread1.turbocaching
  }

  // Five entries: two cookie variants of one URL, the same path with a query, another path, and app b's.
  const first = {
    alice: await ask('a.test', '/public', 'alice'),
    bob: await ask('a.test', '/public', 'bob'),
    page2: await ask('a.test', '/public?page=2'),
    expires: await ask('a.test', '/expires'),
    b: await ask('b.test', '/public')
  }
  for (const r of Object.values(first)) assert.equal(r.cached, false)
  const again = await ask('a.test', '/public', 'alice')
  assert.deepEqual(again, { serial: first.alice.serial, cached: true }, 'served from the cache, with Age')

  const s0 = await status()
  assert.deepEqual([s0.entries, s0.fetches, s0.hits, s0.misses], [5, 6, 1, 5])
  assert.deepEqual([s0.collapsed, s0.revalidations, s0.revalidated, s0.stale_served], [0, 0, 0, 0])
  assert.equal(s0.max_bytes, 1048576)
  assert.ok(s0.bytes > 0 && s0.bytes < s0.max_bytes)
  // The text view (what monitoring scripts parse) is the same JSON document.
  const text = await runCli(['status', '--show', 'server', '--no-header'], { env })
  assert.equal(text.code, 0, text.stderr)
  const shown = (JSON.parse(text.stdout) as { thread1: { turbocaching: Turbocaching } }).thread1.turbocaching
  assert.deepEqual([shown.entries, shown.hits, shown.misses, shown.bytes, shown.max_bytes], [5, 1, 5, s0.bytes, 1048576])
  // And the status snapshot (ferry status --json) carries the same figures.
  const snap = await runCli(['status', '--json'], { env })
  assert.equal(snap.code, 0, snap.stderr)
  const inSnapshot = (JSON.parse(snap.stdout) as { turbocaching: Turbocaching }).turbocaching
  assert.deepEqual([inSnapshot.entries, inSnapshot.hits, inSnapshot.misses, inSnapshot.bytes, inSnapshot.stale_served], [5, 1, 5, s0.bytes, 0])

  // One URL: both cookie variants go, the query string and the other path and app stay. The host is case-insensitive.
  const url = await runCli(['cache', 'purge', 'http://A.test/public'], { env })
  assert.equal(url.code, 0, url.stderr)
  assert.equal(url.stdout, 'Purged 2 turbocache entries of http://A.test/public\n')
  assert.equal((await ask('a.test', '/public', 'alice')).cached, false, 'alice\'s variant reached the app')
  assert.equal((await ask('a.test', '/public', 'bob')).cached, false, 'bob\'s variant reached the app')
  assert.deepEqual(await ask('a.test', '/public?page=2'), { serial: first.page2.serial, cached: true })
  assert.deepEqual(await ask('b.test', '/public'), { serial: first.b.serial, cached: true })
  await logged(f, /purged 2 turbocache entries of http:\/\/A\.test\/public \(admin API\)/, 'the purge')

  const json = await runCli(['cache', 'purge', 'http://a.test/public?page=2', '--json'], { env })
  assert.equal(json.code, 0, json.stderr)
  assert.deepEqual(JSON.parse(json.stdout), { url: 'http://a.test/public?page=2', purged: 1 })
  // Scheme and port are part of the key: https, or a port clients did not send, names nothing cached.
  for (const other of ['https://a.test/expires', 'http://a.test:80/expires', 'http://a.test/nothing']) {
    const none = await runCli(['cache', 'purge', other], { env })
    assert.equal(none.stdout, `Purged 0 turbocache entries of ${other}\n`, none.stderr)
  }
  assert.deepEqual(await ask('a.test', '/expires'), { serial: first.expires.serial, cached: true })

  // One app, named as restart-app names it (a directory relative to the current one): b's entry goes, a's stay.
  const s1 = await status()
  const app = await runCli(['cache', 'purge', '--app', 'b'], { env, cwd: dir })
  assert.equal(app.code, 0, app.stderr)
  assert.equal(app.stdout, `Purged 1 turbocache entry of ${b}\n`)
  assert.equal((await ask('b.test', '/public')).cached, false)
  assert.deepEqual(await ask('a.test', '/expires'), { serial: first.expires.serial, cached: true })
  const appJson = await runCli(['cache', 'purge', '--app', a, '--json', '--name', name.slice(0, 4)], { env })
  assert.equal(appJson.code, 0, appJson.stderr)
  assert.deepEqual(JSON.parse(appJson.stdout), { app: a, purged: s1.entries - 1 })
  assert.equal((await ask('a.test', '/expires')).cached, false)

  // An app the instance does not serve: exit 3, one line, nothing purged.
  const unknown = await runCli(['cache', 'purge', '--app', 'nope'], { env, cwd: dir })
  assert.equal(unknown.code, 3)
  assert.equal(unknown.stdout, '')
  assert.equal(unknown.stderr, `ferry: instance ${name} does not serve nope (it serves ${a}, ${b}; see \`ferry status\`) [E_APP_NOT_FOUND]\n`)

  // The read-only account may read the figures but not purge: 403 from the API, exit 2 from the CLI.
  const before = await status()
  assert.ok(before.entries >= 2)
  const ro = await call('/cache/purge.json', { method: 'POST', account: 'ro_admin', body: '{"all": true}' })
  assert.equal(ro.status, 403, ro.body)
  const fullFile = join(instanceDirIn(registry), 'full_admin_password.txt')
  const fullPassword = readFileSync(fullFile, 'utf8')
  writeFileSync(fullFile, readFileSync(join(instanceDirIn(registry), 'read_only_admin_password.txt'), 'utf8'))
  const refused = await runCli(['cache', 'purge', '--all'], { env })
  writeFileSync(fullFile, fullPassword)
  assert.equal(refused.code, 2, refused.stderr)
  assert.match(refused.stderr, /^ferry: the admin API refused the admin account \(401\).*\[E_NOT_AUTHORIZED\]\n$/)
  assert.equal((await status()).entries, before.entries, 'nothing was purged')
  // What the API says to other callers with a wrong body or an unknown app.
  for (const [body, code, errorCode] of [['{"url": "/public"}', 400, 'E_USAGE'], ['{}', 400, 'E_USAGE'], ['{"app": "/nope"}', 404, 'E_APP_NOT_FOUND']] as const) {
    const r = await call('/cache/purge.json', { method: 'POST', account: 'admin', body })
    assert.equal(r.status, code, r.body)
    assert.equal((JSON.parse(r.body) as { code: string }).code, errorCode)
  }

  // Everything: the next request of each reaches its app; the figures follow the traffic.
  const all = await runCli(['cache', 'purge', '--all', '--json'], { env })
  assert.equal(all.code, 0, all.stderr)
  assert.deepEqual(JSON.parse(all.stdout), { all: true, purged: before.entries })
  const allText = await runCli(['cache', 'purge', '--all'], { env })
  assert.equal(allText.stdout, `Purged 0 turbocache entries: all of instance ${name}\n`)
  const emptied = await status()
  assert.deepEqual([emptied.entries, emptied.bytes], [0, 0])
  assert.equal((await ask('a.test', '/public?page=2')).cached, false)
  assert.equal((await ask('a.test', '/public?page=2')).cached, true)
  const end = await status()
  assert.deepEqual([end.entries, end.fetches - emptied.fetches, end.hits - emptied.hits, end.misses - emptied.misses], [1, 2, 1, 1])
})

test('ferry cache purge: not exactly one target, or a URL that is not absolute http(s), exits 2 before looking for an instance', async t => {
  const env = { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) }
  const usage = /^ferry: give exactly one of URL, --app APP or --all \(see `ferry cache purge --help`\) \[E_USAGE\]\n$/
  for (const argv of [[], ['http://a.test/', '--all'], ['--app', 'x', '--all'], ['http://a.test/', '--app', 'x']]) {
    const r = await runCli(['cache', 'purge', ...argv], { env })
    assert.equal(r.code, 2, argv.join(' '))
    assert.match(r.stderr, usage)
  }
  for (const url of ['/public', 'a.test/public', 'ftp://a.test/x']) {
    const r = await runCli(['cache', 'purge', url], { env })
    assert.equal(r.code, 2, url)
    assert.equal(r.stderr, `ferry: "${url}" is not an absolute http or https URL: give it as clients ask for it, e.g. http://example.com/path?query [E_USAGE]\n`)
  }
  const json = await runCli(['cache', 'purge', '/public', '--json'], { env })
  assert.equal(json.code, 2)
  assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'E_USAGE')
  const flag = await runCli(['cache', 'purge', '--everything'], { env })
  assert.equal(flag.code, 2)
  assert.match(flag.stderr, /\(see `ferry cache purge --help`\) \[E_USAGE\]\n$/)
  // A valid target and no instance: exit 1, as every command that addresses one.
  const none = await runCli(['cache', 'purge', '--all'], { env })
  assert.equal(none.code, 1)
  assert.match(none.stderr, /^ferry: no running Ferry instance was found in the instance registry .*\[E_INSTANCE_NOT_FOUND\]\n$/)
})
