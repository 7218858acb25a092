import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tmpDir } from '../../helpers/tmp.js'
import { createInstanceDir, type CreateInstanceDirOptions } from '../../../src/core/instance/instance-dir.js'
import {
  listInstances, registryDirFrom, selectInstance, renderInstanceTable, formatAge, type InstanceRecord
} from '../../../src/core/instance/registry.js'
import { defaultRegistryDir } from '../../../src/core/instance/registry-dir.js'
import { deadPid, fakeWatchdog } from './procs.js'

const opts = (registryDir: string, watchdogPid: number, listen = ['http://127.0.0.1:3000']): CreateInstanceDirOptions =>
  ({ registryDir, watchdogPid, version: '0.1.0', integrationMode: 'standalone', listen })

const ago = (dir: string, seconds: number): void => {
  const t = new Date(Date.now() - seconds * 1000)
  utimesSync(dir, t, t)
}

test('registryDirFrom: flag, else FERRY_INSTANCE_REGISTRY_DIR, else the caller\'s own default; always absolute', () => {
  assert.equal(registryDirFrom({ instanceRegistryDir: '/a', env: { FERRY_INSTANCE_REGISTRY_DIR: '/b' } }), '/a')
  assert.equal(registryDirFrom({ env: { FERRY_INSTANCE_REGISTRY_DIR: '/b' } }), '/b')
  assert.equal(registryDirFrom({ env: { FERRY_INSTANCE_REGISTRY_DIR: '' } }), defaultRegistryDir({ env: {} }))
  assert.equal(registryDirFrom({ env: {} }), '/run/ferry', 'tests run as root: root\'s registry is under /run')
  assert.equal(registryDirFrom({ instanceRegistryDir: 'rel', env: {} }), resolve('rel'))
})

test('a missing registry lists nothing and does not throw', t => {
  assert.deepEqual(listInstances(join(tmpDir(t), 'nope')), { live: [], untrusted: [], cleaned: [], warnings: [] })
})

test('a finalized instance whose watchdog has exited is stale: deleted and reported', async t => {
  const reg = tmpDir(t)
  const inst = createInstanceDir(opts(reg, await deadPid()))
  inst.finalize()
  const r = listInstances(reg)
  assert.deepEqual(r, { live: [], untrusted: [], cleaned: [inst.dir], warnings: [] })
  assert.equal(existsSync(inst.dir), false)
})

test('PID reuse guard: a live PID that is not a Ferry watchdog makes the directory stale', t => {
  const reg = tmpDir(t)
  const inst = createInstanceDir(opts(reg, process.pid)) // the test runner: alive, but titled "node …"
  inst.finalize()
  assert.deepEqual(listInstances(reg), { live: [], untrusted: [], cleaned: [inst.dir], warnings: [] })
})

test('live instances are listed oldest first; stale ones beside them are cleaned', async t => {
  const reg = tmpDir(t)
  const wd = await fakeWatchdog(t)
  const a = createInstanceDir(opts(reg, wd))
  const b = createInstanceDir(opts(reg, wd))
  const stale = createInstanceDir(opts(reg, await deadPid()))
  for (const i of [a, b, stale]) i.finalize()
  const r = listInstances(reg)
  assert.deepEqual(r.live.map(i => i.name).sort(), [a.name, b.name].sort())
  assert.deepEqual(r.cleaned, [stale.dir])
  assert.deepEqual(r.warnings, [])
  assert.ok(existsSync(a.dir) && existsSync(b.dir))
})

test('unfinalized: left alone while younger than 60 s, cleaned once older, unless its watchdog lives', async t => {
  const reg = tmpDir(t)
  const dead = await deadPid()
  const fresh = createInstanceDir(opts(reg, dead))
  const old = createInstanceDir(opts(reg, dead))
  ago(old.dir, 120)
  const slow = createInstanceDir(opts(reg, await fakeWatchdog(t)))
  ago(slow.dir, 120)
  const r = listInstances(reg)
  assert.deepEqual(r, { live: [], untrusted: [], cleaned: [old.dir], warnings: [] })
  assert.ok(existsSync(fresh.dir))
  assert.ok(existsSync(slow.dir), 'a watchdog slow to finalize keeps its directory')
})

test('corrupt directories: finalized or old ones are cleaned, fresh ones (mid-creation) are left', t => {
  const reg = tmpDir(t)
  const finalized = join(reg, 'ferry.corrupt1')
  mkdirSync(finalized)
  writeFileSync(join(finalized, 'properties.json'), '{ not json')
  writeFileSync(join(finalized, 'creation_finalized'), '')
  const oldEmpty = join(reg, 'ferry.corrupt2')
  mkdirSync(oldEmpty)
  ago(oldEmpty, 120)
  const freshEmpty = join(reg, 'ferry.corrupt3')
  mkdirSync(freshEmpty)
  const r = listInstances(reg)
  assert.deepEqual(r.cleaned.sort(), [finalized, oldEmpty].sort())
  assert.deepEqual(r.warnings, [])
  assert.ok(existsSync(freshEmpty))
})

test('a corrupt finalized directory whose watchdog.pid names a live watchdog is kept, with a warning', async t => {
  const reg = tmpDir(t)
  const inst = createInstanceDir(opts(reg, await fakeWatchdog(t)))
  inst.finalize()
  writeFileSync(inst.paths.properties, '')
  const r = listInstances(reg)
  assert.deepEqual(r.live, [])
  assert.deepEqual(r.cleaned, [])
  assert.equal(r.warnings.length, 1)
  assert.match(r.warnings[0]!, new RegExp(`${inst.dir}.*unreadable properties.json`))
  assert.ok(existsSync(inst.dir))
})

test('another structure major version is neither listed nor deleted', async t => {
  const reg = tmpDir(t)
  const inst = createInstanceDir(opts(reg, await deadPid()))
  inst.finalize()
  writeFileSync(inst.paths.properties, JSON.stringify({ ...inst.properties, structure_version: { major: 2, minor: 0 } }))
  const r = listInstances(reg)
  assert.deepEqual([r.live, r.cleaned], [[], []])
  assert.match(r.warnings[0]!, /structure version 2/)
  assert.ok(existsSync(inst.dir))
})

test('only ferry.<8 chars> directories are considered: pid/log files, symlinks and other names are untouched', t => {
  const reg = tmpDir(t)
  const elsewhere = tmpDir(t)
  writeFileSync(join(reg, 'ferry.8080.pid'), '1')
  writeFileSync(join(reg, 'ferry.8080.log'), '')
  writeFileSync(join(reg, 'ferry.abcdefgh'), '') // a file with an instance-like name
  mkdirSync(join(reg, 'ferry-xyz'))
  mkdirSync(join(reg, 'ferry.ABCDEFGH'))
  symlinkSync(elsewhere, join(reg, 'ferry.symlink1'))
  for (const name of ['ferry-xyz', 'ferry.ABCDEFGH']) {
    writeFileSync(join(reg, name, 'creation_finalized'), '')
    ago(join(reg, name), 120)
  }
  writeFileSync(join(elsewhere, 'creation_finalized'), '')
  assert.deepEqual(listInstances(reg), { live: [], untrusted: [], cleaned: [], warnings: [] })
  for (const name of ['ferry.8080.pid', 'ferry.8080.log', 'ferry.abcdefgh', 'ferry-xyz', 'ferry.ABCDEFGH', 'ferry.symlink1']) {
    assert.ok(existsSync(join(reg, name)), name)
  }
  assert.ok(existsSync(join(elsewhere, 'creation_finalized')))
})

test('a stale directory that cannot be deleted becomes a warning naming it and the error, never a throw', async t => {
  const reg = tmpDir(t)
  const inst = createInstanceDir(opts(reg, await deadPid()))
  inst.finalize()
  const tried: string[] = []
  const r = listInstances(reg, {
    remove: dir => {
      tried.push(dir)
      throw Object.assign(new Error(`EPERM: operation not permitted, rmdir '${dir}'`), { code: 'EPERM' })
    }
  })
  assert.deepEqual(tried, [inst.dir])
  assert.deepEqual(r.live, [])
  assert.deepEqual(r.cleaned, [])
  assert.equal(r.warnings.length, 1)
  assert.ok(r.warnings[0]!.includes(inst.dir), r.warnings[0])
  assert.match(r.warnings[0]!, /EPERM: operation not permitted/)
})

// ---- selection and rendering: pure, on hand-made records -------------------------------------------------------

const rec = (name: string, extra: Partial<InstanceRecord> = {}): InstanceRecord => ({
  name,
  instance_id: `id-${name}`,
  version: '0.1.0',
  structure_version: { major: 1, minor: 0 },
  watchdog_pid: 1000,
  core_pid: null,
  listen: ['http://0.0.0.0:3000'],
  created_at: 1_700_000_000,
  integration_mode: 'standalone',
  server_software: 'Ferry/0.1.0',
  dir: `/reg/ferry.${name}`,
  paths: {} as InstanceRecord['paths'],
  ...extra
})

const ctx = { registryDir: '/reg' }
const fails = (fn: () => unknown, code: string, re: RegExp): void => {
  assert.throws(fn, (err: Error & { code?: string, exitCode?: number }) => {
    assert.equal(err.name, 'FerryError')
    assert.equal(err.code, code)
    assert.match(err.message, re)
    return true
  })
}

test('select: none running is E_NOT_RUNNING (exit 7), naming the registry and how to point at another', () => {
  fails(() => selectInstance([], undefined, ctx), 'E_NOT_RUNNING', /\/reg.*--instance-registry-dir.*FERRY_INSTANCE_REGISTRY_DIR/)
  fails(() => selectInstance([], 'abc', ctx), 'E_NOT_RUNNING', /\/reg/)
  try { selectInstance([], undefined, ctx) } catch (err) { assert.equal((err as { exitCode: number }).exitCode, 7) }
})

test('select: one running and no name gives it; several and no name is E_USAGE telling how to pick', () => {
  const one = rec('abcd1234')
  assert.equal(selectInstance([one], undefined, ctx), one)
  const list = [rec('abcd1234'), rec('abzz9999')]
  fails(() => selectInstance(list, undefined, ctx), 'E_USAGE', /several.*abcd1234, abzz9999.*`ferry status <NAME>`/)
  fails(() => selectInstance(list, undefined, { ...ctx, command: 'stop' }), 'E_USAGE', /`ferry stop <NAME>`/)
})

test('select: a unique prefix or the full name picks; ambiguous, unknown or empty names are E_USAGE', () => {
  const list = [rec('abcd1234'), rec('abzz9999'), rec('q0000000')]
  assert.equal(selectInstance(list, 'abc', ctx), list[0])
  assert.equal(selectInstance(list, 'abzz9999', ctx), list[1])
  assert.equal(selectInstance(list, 'q', ctx), list[2])
  assert.equal(selectInstance([list[0]!], 'abcd', ctx), list[0])
  fails(() => selectInstance(list, 'ab', ctx), 'E_USAGE', /'ab' matches several.*abcd1234, abzz9999/)
  fails(() => selectInstance(list, 'zz', ctx), 'E_USAGE', /no running Ferry instance is named 'zz'.*abcd1234, abzz9999, q0000000/)
  fails(() => selectInstance([list[0]!], 'zz', ctx), 'E_USAGE', /'zz'/)
  fails(() => selectInstance(list, '', ctx), 'E_USAGE', /empty/)
})

test('renderInstanceTable: name, watchdog PID and a description with the listen address and age', () => {
  const now = 1_700_000_000_000 + 3725_000
  const table = renderInstanceTable([
    rec('abcd1234', { watchdog_pid: 4321 }),
    rec('q0000000', { watchdog_pid: 99, listen: ['unix:/tmp/f.sock', 'http://[::1]:80'], integration_mode: 'flying' })
  ], now)
  assert.equal(table, [
    'Name      PID   Description',
    '-'.repeat(81), // as wide as the widest row
    'abcd1234  4321  Ferry/0.1.0 standalone on http://0.0.0.0:3000, up 1h 2m',
    'q0000000  99    Ferry/0.1.0 flying on unix:/tmp/f.sock, http://[::1]:80, up 1h 2m'
  ].join('\n'))
  assert.equal(renderInstanceTable([], now), 'Name  PID  Description\n' + '-'.repeat(22))
  assert.deepEqual([0, 42, 61, 3600, 90_000].map(formatAge), ['0s', '42s', '1m 1s', '1h 0m', '1d 1h'])
})
