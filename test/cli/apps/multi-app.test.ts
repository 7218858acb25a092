// Many apps in one instance, with real processes: routing by Host and base URI, per-app blocks in status, the
// shared pool size, and reloads (SIGHUP and the admin API) that add, remove and change apps.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { runFerry, type RunningFerry, logged } from '../../helpers/ferry.js'
import { isAlive, waitFor } from '../../helpers/procs.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

interface Seen { name: string | null, pid: number, url: string, env: string | null, baseUri: string | null, headers: Record<string, string> }

async function via (f: RunningFerry, host: string, path = '/'): Promise<{ status: number, body: string }> {
  const res = await request(`${f.url}${path}`, { headers: { host }, reset: true })
  return { status: res.statusCode, body: await res.body.text() }
}

async function seen (f: RunningFerry, host: string, path = '/'): Promise<Seen> {
  const r = await via(f, host, path)
  assert.equal(r.status, 200, `${host}${path}: ${r.body}`)
  return JSON.parse(r.body) as Seen
}

/** Copies of the `named` fixture in a fresh directory, one per name. */
function apps (t: TestContext, names: readonly string[]): string {
  const dir = tmpDir(t)
  for (const n of names) cpSync(fixtureApp('named'), join(dir, n), { recursive: true })
  return dir
}

const startWithConfig = async (t: TestContext, file: string, registry: string): Promise<RunningFerry> =>
  await runFerry(t, ['start', '--config', file, '--port', '0', '--address', '127.0.0.1', '--instance-registry-dir', registry])

interface PoolJson { pool: { process_count: number, groups: Array<{ name: string, processes: Array<{ pid: number, state: string }> }> } }

async function pool (call: ReturnType<typeof adminClient>): Promise<PoolJson['pool']> {
  return (JSON.parse((await call('/pool.json')).body) as PoolJson).pool
}

const pidsOf = (p: PoolJson['pool'], root: string): number[] =>
  p.groups.find(g => g.name.endsWith(`/${root}`))?.processes.filter(x => x.state === 'ready').map(x => x.pid) ?? []

test('routing: by Host, then the longest base URI; unknown hosts get 404 naming them; each app its own block', async t => {
  const dir = apps(t, ['a', 'b', 'c'])
  const registry = tmpDir(t)
  writeFileSync(join(dir, 'ferry.json'), JSON.stringify({
    'max-pool-size': 4,
    apps: [
      { root: 'a', server_names: ['a.test'], envvar: ['APP_NAME=a'] },
      { root: 'b', server_names: ['b.test', '*.b.test'], envvar: ['APP_NAME=b'], environment: 'staging' },
      { root: 'c', server_names: ['a.test'], base_uri: '/c', envvar: ['APP_NAME=c'] }
    ]
  }))
  const f = await startWithConfig(t, join(dir, 'ferry.json'), registry)
  await logged(f, /App:\s+3 apps/)
  assert.equal((await seen(f, 'a.test')).name, 'a')
  assert.equal((await seen(f, 'A.TEST:1234', '/x')).name, 'a')
  assert.equal((await seen(f, 'b.test')).name, 'b')
  assert.equal((await seen(f, 'www.b.test')).name, 'b')
  assert.equal((await seen(f, 'b.test')).env, 'staging')
  const c = await seen(f, 'a.test', '/c/page?q=1')
  assert.equal(c.name, 'c')
  assert.equal(c.url, '/c/page?q=1', 'the app sees the full path')
  assert.equal(c.baseUri, '/c')
  assert.equal(c.headers['x-forwarded-prefix'], '/c')
  assert.equal((await seen(f, 'a.test', '/cc')).name, 'a', 'base URIs match whole segments')
  const file = await via(f, 'a.test', '/c/hello.txt')
  assert.equal(file.body, 'static of named\n', 'public/ of c under its base URI')
  const none = await via(f, 'nowhere.test')
  assert.equal(none.status, 404)
  assert.match(none.body, /No app is configured for host nowhere\.test/)
  const call = adminClient(t, instanceDirIn(registry))
  const p = await pool(call)
  assert.equal(p.groups.length, 3)
  assert.equal(p.process_count, 3)
  const text = (await call('/pool.txt')).body
  for (const n of ['a', 'b', 'c']) assert.match(text, new RegExp(`App root: .*/${n}\\n`))
})

test('reload (SIGHUP, then the admin API): added apps start at once, removed ones stop, changed ones restart, unchanged keep their PIDs; a bad file changes nothing', async t => {
  const dir = apps(t, ['keep', 'change', 'remove', 'add'])
  const registry = tmpDir(t)
  const file = join(dir, 'ferry.json')
  const config = (changeName: string, third: string): string => JSON.stringify({
    apps: [
      { root: 'keep', server_names: ['keep.test'], envvar: ['APP_NAME=keep'] },
      { root: 'change', server_names: ['change.test'], envvar: [`APP_NAME=${changeName}`] },
      { root: third, server_names: [`${third}.test`], envvar: [`APP_NAME=${third}`] }
    ]
  })
  writeFileSync(file, config('change-1', 'remove'))
  const f = await startWithConfig(t, file, registry)
  const call = adminClient(t, instanceDirIn(registry))
  await waitFor(async () => (await pool(call)).process_count === 3, 15_000, 'three processes')
  const before = await pool(call)
  const removed = pidsOf(before, 'remove')
  assert.equal((await seen(f, 'change.test')).name, 'change-1')

  writeFileSync(file, config('change-2', 'add'))
  f.proc.kill('SIGHUP')
  await waitFor(async () => pidsOf(await pool(call), 'add').length === 1, 15_000, 'the added app to start without a request')
  await waitFor(() => removed.every(pid => !isAlive(pid)), 15_000, 'the removed app\'s processes to stop')
  await waitFor(async () => (await seen(f, 'change.test')).name === 'change-2', 15_000, 'the changed app to restart')
  const after = await pool(call)
  assert.deepEqual(pidsOf(after, 'keep'), pidsOf(before, 'keep'), 'the unchanged app kept its process')
  assert.notDeepEqual(pidsOf(after, 'change'), pidsOf(before, 'change'))
  assert.equal(after.groups.some(g => g.name.endsWith('/remove')), false)
  assert.equal((await via(f, 'remove.test')).status, 404)
  assert.equal((await seen(f, 'add.test')).name, 'add')
  await logged(f, /configuration reloaded: 1 added, 1 removed, 1 changed, 1 unchanged/)

  writeFileSync(file, '{ "apps": [ { "root": "nope" } ] }')
  const refused = await call('/reload.json', { method: 'POST', account: 'admin', body: '{}' })
  assert.equal(refused.status, 422)
  assert.match(JSON.parse(refused.body).message, /app directory .*nope does not exist/)
  assert.equal((await seen(f, 'add.test')).name, 'add', 'the running configuration stays')
  assert.equal((await seen(f, 'keep.test')).pid, pidsOf(before, 'keep')[0])
})

test('turbocache per app: on for one, off for another, and vary-by-cookie set for one app only', async t => {
  const dir = tmpDir(t)
  for (const n of ['on', 'off', 'vary']) cpSync(fixtureApp('cache-lab'), join(dir, n), { recursive: true })
  writeFileSync(join(dir, 'ferry.json'), JSON.stringify({
    apps: [
      { root: 'on', server_names: ['on.test'] },
      { root: 'off', server_names: ['off.test'], 'disable-turbocaching': true },
      { root: 'vary', server_names: ['vary.test'], 'vary-turbocache-by-cookie': 'user' }
    ]
  }))
  const f = await startWithConfig(t, join(dir, 'ferry.json'), tmpDir(t))
  const serial = async (host: string, cookie?: string): Promise<string> => {
    const res = await request(`${f.url}/public`, { headers: cookie === undefined ? { host } : { host, cookie } })
    return /serial=(\d+)/.exec(await res.body.text())?.[1] ?? 'none'
  }
  assert.equal(await serial('on.test'), await serial('on.test'), 'cached')
  assert.notEqual(await serial('off.test'), await serial('off.test'), 'never cached')
  assert.notEqual(await serial('vary.test', 'user=a'), await serial('vary.test', 'user=b'), 'one entry per user')
  assert.equal(await serial('vary.test', 'user=a'), await serial('vary.test', 'user=a'))
  assert.equal(await serial('on.test', 'user=a'), await serial('on.test', 'user=b'), 'the cookie means nothing to the other app')
})
