import { test } from 'node:test'
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { waitFor } from '../../helpers/procs.js'

test('admin API: authentication, limits and errors over the owner-only socket', async t => {
  const registry = tmpDir(t)
  await startCore(t, fixtureApp('proxy-lab'), [], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const dir = instanceDirIn(registry)
  assert.equal(statSync(join(dir, 'admin.sock')).mode & 0o777, 0o600)
  const call = adminClient(t, dir)

  const anonymous = await call('/ping.json', { account: 'none' })
  assert.equal(anonymous.status, 401)
  assert.match(String(anonymous.headers['www-authenticate']), /^Basic /)
  assert.equal((await call('/ping.json', { password: 'wrong' })).status, 401)
  const ping = await call('/ping.json')
  assert.equal(ping.status, 200)
  assert.deepEqual(JSON.parse(ping.body), { status: 'ok' })
  assert.equal(ping.headers['cache-control'], 'no-store')

  assert.equal((await call('/shutdown.json', { method: 'POST' })).status, 403, 'ro_admin cannot act')
  assert.equal((await call('/nope.json')).status, 404)
  assert.equal((await call('/pool.json', { method: 'POST', account: 'admin' })).status, 405)
  assert.equal((await call('/pool/detach_process.json', { method: 'POST', account: 'admin', body: '{not json' })).status, 422)
  assert.equal((await call('/pool/detach_process.json', { method: 'POST', account: 'admin', body: JSON.stringify({ pad: 'x'.repeat(200_000) }) })).status, 413)
  assert.equal((await call('/pool/detach_process.json', { method: 'POST', account: 'admin', body: '{}' })).status, 400)

  const info = JSON.parse((await call('/info.json')).body) as Record<string, unknown>
  assert.equal(info.program_name, 'Ferry')
  assert.equal(typeof info.program_version, 'string')
})

test('admin API: /requests.json lists requests in flight with their state', async t => {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--concurrency', '1', '--max-pool-size', '1'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  const appPid = (JSON.parse((await get(`${f.url}/pid`)).body) as { pid: number }).pid
  const first = get(`${f.url}/slow?ms=1500`)
  const second = get(`${f.url}/slow?ms=10`)
  await new Promise(resolve => setTimeout(resolve, 400))
  type R = { method: string, path: string, state: string, pid: number | null, age_ms: number, client_address: string }
  const { requests } = JSON.parse((await call('/requests.json')).body) as { requests: R[] }
  const byPath = new Map(requests.map(r => [r.path, r]))
  assert.equal(byPath.get('/slow?ms=1500')?.state, 'in app')
  assert.equal(byPath.get('/slow?ms=1500')?.pid, appPid)
  assert.ok(byPath.get('/slow?ms=1500')!.age_ms >= 300)
  assert.equal(byPath.get('/slow?ms=10')?.state, 'queued')
  assert.equal(byPath.get('/slow?ms=10')?.pid, null)
  assert.equal(byPath.get('/slow?ms=10')?.client_address, '127.0.0.1')
  await Promise.all([first, second])
  const after = JSON.parse((await call('/requests.json')).body) as { requests: R[] }
  assert.deepEqual(after.requests, [])
})

test('admin API: a rolling restart under load fails no request and changes every PID', async t => {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--min-instances', '2'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  const snapshotPids = async (): Promise<number[]> => {
    const s = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ name: string, processes: Array<{ pid: number, state: string }> }> } }
    return s.pool.groups[0]!.processes.filter(p => p.state === 'ready').map(p => p.pid)
  }
  await waitFor(async () => (await snapshotPids()).length === 2, 15_000, 'two processes')
  const before = await snapshotPids()
  const name = (JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ name: string }> } }).pool.groups[0]!.name

  let running = true
  const statuses: number[] = []
  const load = Promise.all(Array.from({ length: 4 }, async () => {
    while (running) statuses.push((await get(`${f.url}/slow?ms=20`)).status)
  }))
  const reply = await call('/pool/restart_app_group.json', { method: 'POST', account: 'admin', body: JSON.stringify({ name, restart_method: 'rolling' }) })
  assert.deepEqual(JSON.parse(reply.body), { restarted: true })
  await waitFor(async () => { const now = await snapshotPids(); return now.length === 2 && now.every(p => !before.includes(p)) }, 20_000, 'every process replaced')
  // A fast restart may be over before the load got going: the new processes serve some of it too.
  await waitFor(() => statuses.length > 20, 20_000, 'more than 20 requests')
  running = false
  await load
  assert.ok(statuses.length > 20, `only ${statuses.length} requests ran`)
  assert.deepEqual([...new Set(statuses)], [200], 'no request failed')
  const unknown = await call('/pool/restart_app_group.json', { method: 'POST', account: 'admin', body: JSON.stringify({ name: '/nope' }) })
  assert.deepEqual(JSON.parse(unknown.body), { restarted: false })
})

test('--admin-address: the same API, same passwords, on TCP', async t => {
  const { createServer } = await import('node:net')
  const port = await new Promise<number>(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) })
  })
  const registry = tmpDir(t)
  await startCore(t, fixtureApp('hello'), ['--admin-address', `127.0.0.1:${port}`], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const { readFileSync } = await import('node:fs')
  const password = readFileSync(join(instanceDirIn(registry), 'read_only_admin_password.txt'), 'utf8').trim()
  assert.equal((await get(`http://127.0.0.1:${port}/ping.json`)).status, 401)
  const ok = await get(`http://127.0.0.1:${port}/ping.json`, { headers: { authorization: `Basic ${Buffer.from(`ro_admin:${password}`).toString('base64')}` } })
  assert.equal(ok.status, 200)
})

test('admin API: /reopen_logs.json without a log file is refused', async t => {
  const registry = tmpDir(t)
  await startCore(t, fixtureApp('hello'), [], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const r = await adminClient(t, instanceDirIn(registry))('/reopen_logs.json', { method: 'POST', account: 'admin' })
  assert.equal(r.status, 409)
  assert.equal((JSON.parse(r.body) as { code: string }).code, 'NO_LOG_FILE')
})

test('admin API: 401 before 404/405 (no route discovery without credentials); ro_admin sees --envvar names only', async t => {
  const registry = tmpDir(t)
  await startCore(t, fixtureApp('hello'), ['--envvar', 'SECRET_TOKEN=hunter2', '--envvar', 'MODE=a=b'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  assert.equal((await call('/nope.json', { account: 'none' })).status, 401, 'an unknown path')
  assert.equal((await call('/pool.json', { method: 'POST', account: 'none' })).status, 401, 'a known path, wrong method')
  assert.equal((await call('/nope.json', { password: 'wrong' })).status, 401, 'a wrong password')
  assert.equal((await call('/nope.json')).status, 404, 'with credentials, unknown paths are still 404')

  const asReader = await call('/config.json')
  assert.ok(!asReader.body.includes('hunter2'), asReader.body)
  assert.deepEqual((JSON.parse(asReader.body) as { options: Record<string, { value: unknown }> }).options['envvar']!.value, ['SECRET_TOKEN', 'MODE'])
  const asAdmin = JSON.parse((await call('/config.json', { account: 'admin' })).body) as { options: Record<string, { value: unknown }> }
  assert.deepEqual(asAdmin.options['envvar']!.value, ['SECRET_TOKEN=hunter2', 'MODE=a=b'])
})
