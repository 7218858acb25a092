import { test } from 'node:test'
import assert from 'node:assert/strict'
import { basename } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'
import { startFerry } from '../helpers/ferry.js'
import { get } from '../helpers/http.js'
import { instanceDirIn } from '../helpers/instance.js'

test('status with no instance: exit 1, naming the registry and how to point at another', async t => {
  const registry = tmpDir(t)
  const r = await runCli(['status'], { env: { FERRY_INSTANCE_REGISTRY_DIR: registry } })
  assert.equal(r.code, 1)
  assert.match(r.stderr, new RegExp(`^ferry: .*${registry}.*FERRY_INSTANCE_REGISTRY_DIR.*\\[E_INSTANCE_NOT_FOUND\\]\\n$`))
  const j = await runCli(['status', '--json'], { env: { FERRY_INSTANCE_REGISTRY_DIR: registry } })
  assert.equal(j.code, 1)
  assert.equal((JSON.parse(j.stdout) as { error: { code: string } }).error.code, 'E_INSTANCE_NOT_FOUND')
})

test('status of one instance: header and the pool view; xml; json; server', async t => {
  const registry = tmpDir(t)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  const f = await startFerry(t, fixtureApp('proxy-lab'), [], env)
  await get(`${f.url}/pid`)
  const name = basename(instanceDirIn(registry)).slice('ferry.'.length)

  const pool = await runCli(['status'], { env })
  assert.equal(pool.code, 0, pool.stderr)
  assert.match(pool.stdout, /^Version : \S+\nDate    : \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\nInstance: (\w+) \(Ferry\/\S+\)\n\n-{11} General information -{11}\n/)
  assert.ok(pool.stdout.includes(`Instance: ${name} `))
  assert.match(pool.stdout, /----------- General information -----------\nMax pool size : 6\nApp groups    : 1\nProcesses     : 1\n/)
  assert.match(pool.stdout, /\n {2}\* PID: \d+ +Sessions: 0 +Processed: 1 +Uptime: /)
  assert.match(pool.stdout, /\n {4}CPU: \d+% +Memory {2}: \d+M +Last used: /)

  const xml = await runCli(['status', '--show', 'xml', name.slice(0, 3)], { env })
  assert.equal(xml.code, 0, xml.stderr)
  assert.match(xml.stdout, /^<\?xml version="1.0" encoding="iso-8859-1" \?>\n?<info version="3">/)
  assert.match(xml.stdout, /<process><pid>\d+<\/pid>/)

  const json = await runCli(['status', '--show', 'json', '--no-header'], { env })
  assert.equal((JSON.parse(json.stdout) as { pool: { process_count: number } }).pool.process_count, 1)

  const requests = await runCli(['status', '--show', 'requests', '--no-header'], { env })
  assert.deepEqual(JSON.parse(requests.stdout), { requests: [] })
  const asJson = await runCli(['status', '--json'], { env })
  assert.equal((JSON.parse(asJson.stdout) as { pool: { process_count: number } }).pool.process_count, 1)
  const server = await runCli(['status', '--show', 'server', '--no-header'], { env })
  assert.equal((JSON.parse(server.stdout) as { thread1: { total_requests_begun: number } }).thread1.total_requests_begun, 1)
})

test('two instances: exit 1 with a table to choose from; a unique prefix selects', async t => {
  const registry = tmpDir(t)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  await startFerry(t, fixtureApp('hello'), [], env)
  await startFerry(t, fixtureApp('hello'), [], env)
  const r = await runCli(['status'], { env })
  assert.equal(r.code, 1)
  assert.match(r.stderr, /\[E_INSTANCE_AMBIGUOUS\]/)
  const names = [...r.stdout.matchAll(/^\s*([a-z0-9]{8})\s/gm)].map(m => m[1]!)
  assert.equal(names.length, 2, r.stdout)
  const one = await runCli(['status', names[0]!], { env })
  assert.equal(one.code, 0, one.stderr)
  const unknown = await runCli(['status', 'zzzzzzzz'], { env })
  assert.equal(unknown.code, 1)
})

test('a core that does not answer (SIGSTOP): one line, the process table, exit 3', async t => {
  const registry = tmpDir(t)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  const f = await startFerry(t, fixtureApp('hello'), [], env)
  process.kill(f.corePid, 'SIGSTOP')
  t.after(() => { try { process.kill(f.corePid, 'SIGCONT') } catch {} })
  const r = await runCli(['status', '--timeout', '1'], { env })
  assert.equal(r.code, 3, r.stderr)
  assert.match(r.stderr, /^ferry: the admin API of instance \w+ did not answer within 1 s \[E_API_UNREACHABLE\]\n$/)
  assert.ok(r.stdout.includes(String(f.corePid)), r.stdout)
  assert.match(r.stdout, /stopped/)
  assert.match(r.stdout, /Ferry watchdog/)
  process.kill(f.corePid, 'SIGCONT')
})

test('status cannot authenticate with a wrong password file: exit 2', async t => {
  const registry = tmpDir(t)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  await startFerry(t, fixtureApp('hello'), [], env)
  const { writeFileSync } = await import('node:fs')
  writeFileSync(`${instanceDirIn(registry)}/read_only_admin_password.txt`, 'not-the-password')
  const r = await runCli(['status'], { env })
  assert.equal(r.code, 2)
  assert.match(r.stderr, /refused the ro_admin account \(401\).*\[E_NOT_AUTHORIZED\]/)
})

test('a stale instance directory (its watchdog is gone) is cleaned by ferry status, with a notice', async t => {
  const { mkdirSync, writeFileSync, existsSync } = await import('node:fs')
  const { spawnSync } = await import('node:child_process')
  const registry = tmpDir(t)
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
  const dir = `${registry}/ferry.stale000`
  mkdirSync(dir)
  writeFileSync(`${dir}/properties.json`, JSON.stringify({ name: 'stale000', instance_id: 'x', version: '0.1.0', structure_version: { major: 1, minor: 0 }, watchdog_pid: Number(dead), core_pid: null, listen: [], created_at: 0, integration_mode: 'standalone', server_software: 'Ferry/0.1.0' }))
  writeFileSync(`${dir}/creation_finalized`, '')
  const r = await runCli(['status'], { env: { FERRY_INSTANCE_REGISTRY_DIR: registry } })
  assert.equal(r.code, 1, 'nothing live remains')
  assert.match(r.stderr, /cleaned stale instance directory .*ferry\.stale000/)
  assert.equal(existsSync(dir), false)
})
