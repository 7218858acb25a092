import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { join, basename } from 'node:path'
import { tmpDir } from '../../helpers/tmp.js'
import {
  createInstanceDir, isWatchdogAlive, isProcessAlive, readProperties, INSTANCE_DIR_PATTERN
} from '../../../src/core/instance/instance-dir.js'
import { listInstances } from '../../../src/core/instance/registry.js'
import { deadPid, fakeWatchdog } from './procs.js'

const opts = (registryDir: string, watchdogPid: number) =>
  ({ registryDir, watchdogPid, version: '0.1.0', integrationMode: 'standalone' as const, listen: ['http://127.0.0.1:3000'] })

test('creates ferry.<8 chars> with mode 0755, properties, pid file and two 0600 passwords; no socket yet', async t => {
  const reg = tmpDir(t)
  const wd = await fakeWatchdog(t)
  const before = Math.floor(Date.now() / 1000)
  const inst = createInstanceDir(opts(reg, wd))

  assert.match(inst.name, /^[a-z0-9]{8}$/)
  assert.equal(inst.dir, join(reg, `ferry.${inst.name}`))
  assert.match(basename(inst.dir), INSTANCE_DIR_PATTERN)
  assert.equal(statSync(inst.dir).mode & 0o777, 0o755, 'others may see it runs; its secrets are 0600')

  const text = readFileSync(inst.paths.properties, 'utf8')
  assert.match(text, /^\{\n {2}"name"/, 'pretty-printed')
  const p = JSON.parse(text)
  assert.equal(p.name, inst.name)
  assert.match(p.instance_id, /^[a-z0-9]+-[a-z0-9]{6}-[a-z0-9]{6}$/)
  assert.equal(p.version, '0.1.0')
  assert.deepEqual(p.structure_version, { major: 1, minor: 1 })
  assert.equal(p.watchdog_pid, wd)
  assert.equal(p.watchdog_start_time, Number(readFileSync(`/proc/${wd}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]), 'field 22 of its stat')
  assert.equal(p.core_pid, null)
  assert.deepEqual(p.listen, ['http://127.0.0.1:3000'])
  assert.ok(p.created_at >= before && p.created_at <= Math.floor(Date.now() / 1000) + 1)
  assert.equal(p.integration_mode, 'standalone')
  assert.equal(p.server_software, 'Ferry/0.1.0')
  assert.deepEqual(readProperties(inst.dir), p)
  assert.deepEqual(inst.properties, p)

  assert.equal(readFileSync(inst.paths.watchdogPid, 'utf8'), String(wd))
  const passwords = [inst.paths.readOnlyAdminPassword, inst.paths.fullAdminPassword]
  assert.deepEqual(passwords.map(f => basename(f)), ['read_only_admin_password.txt', 'full_admin_password.txt'])
  for (const file of passwords) {
    assert.equal(statSync(file).mode & 0o777, 0o600, file)
    assert.match(readFileSync(file, 'utf8'), /^[A-Za-z0-9]{24}$/)
  }
  assert.notEqual(readFileSync(passwords[0]!, 'utf8'), readFileSync(passwords[1]!, 'utf8'))
  assert.equal(inst.paths.adminSocket, join(inst.dir, 'admin.sock'))
  assert.equal(existsSync(inst.paths.adminSocket), false)
  assert.equal(existsSync(inst.paths.creationFinalized), false)
})

test('two instances get different names, ids and passwords', async t => {
  const reg = tmpDir(t)
  const a = createInstanceDir(opts(reg, process.pid))
  const b = createInstanceDir(opts(reg, process.pid))
  assert.notEqual(a.name, b.name)
  assert.notEqual(a.properties.instance_id, b.properties.instance_id)
  assert.notEqual(readFileSync(a.paths.fullAdminPassword, 'utf8'), readFileSync(b.paths.fullAdminPassword, 'utf8'))
})

test('creates a missing registry directory; a registry that cannot be created is E_PID_FILE', t => {
  const base = tmpDir(t)
  const inst = createInstanceDir(opts(join(base, 'nested', 'reg'), process.pid))
  assert.ok(existsSync(inst.paths.properties))
  writeFileSync(join(base, 'file'), '')
  assert.throws(() => createInstanceDir(opts(join(base, 'file', 'reg'), process.pid)), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'E_PID_FILE')
    assert.match(err.message, /file/)
    return true
  })
})

test('an instance is listed only once finalize() has run', async t => {
  const reg = tmpDir(t)
  const wd = await fakeWatchdog(t)
  const inst = createInstanceDir(opts(reg, wd))
  inst.setCorePid(process.pid)
  let r = listInstances(reg)
  assert.deepEqual(r, { live: [], untrusted: [], cleaned: [], warnings: [] })
  assert.ok(existsSync(inst.dir), 'an unfinalized fresh directory is left alone')

  inst.finalize()
  r = listInstances(reg)
  assert.equal(r.live.length, 1)
  assert.equal(r.live[0]!.name, inst.name)
  assert.equal(r.live[0]!.dir, inst.dir)
  assert.equal(r.live[0]!.core_pid, process.pid)
  assert.equal(r.live[0]!.paths.adminSocket, inst.paths.adminSocket)
  assert.deepEqual(r.cleaned, [])
})

test('setCorePid rewrites properties.json atomically and writes core.pid', t => {
  const reg = tmpDir(t)
  const inst = createInstanceDir(opts(reg, process.pid))
  const before = JSON.parse(readFileSync(inst.paths.properties, 'utf8'))
  inst.setCorePid(4242)
  const after = JSON.parse(readFileSync(inst.paths.properties, 'utf8'))
  assert.deepEqual(after, { ...before, core_pid: 4242 })
  assert.equal(inst.properties.core_pid, 4242)
  assert.equal(readFileSync(inst.paths.corePid, 'utf8'), '4242')
  inst.setCorePid(4343)
  assert.equal(JSON.parse(readFileSync(inst.paths.properties, 'utf8')).core_pid, 4343)
  assert.equal(readFileSync(inst.paths.corePid, 'utf8'), '4343')
  assert.deepEqual(readdirSync(inst.dir).filter(f => f.includes('.tmp')), [], 'no temp file left behind')
})

test('remove() deletes the directory and is idempotent', t => {
  const reg = tmpDir(t)
  const inst = createInstanceDir(opts(reg, process.pid))
  mkdirSync(join(inst.dir, 'sub'))
  inst.finalize()
  inst.remove()
  assert.equal(existsSync(inst.dir), false)
  inst.remove()
  assert.deepEqual(readdirSync(reg), [])
})

test('liveness: exited PIDs, bad PIDs and processes with another title are not watchdogs', async t => {
  const dead = await deadPid()
  assert.equal(isProcessAlive(dead), false)
  assert.equal(isWatchdogAlive(dead), false)
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.equal(isWatchdogAlive(bad), false, String(bad))
  assert.equal(isProcessAlive(process.pid), true)
  assert.equal(isWatchdogAlive(process.pid), false, 'the test runner is alive but not a watchdog')
  assert.equal(isWatchdogAlive(await fakeWatchdog(t)), true)
  assert.equal(isWatchdogAlive(await fakeWatchdog(t, 'Ferry core')), false)
  assert.equal(isWatchdogAlive(await fakeWatchdog(t, 'Ferry watc')), true, 'a title truncated by a short argv still counts')
})
