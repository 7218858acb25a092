import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot, tmpDir } from '../../helpers/tmp.js'
import { defaultRegistryDir, ensureRegistryDir } from '../../../src/core/instance/registry-dir.js'
import { createInstanceDir } from '../../../src/core/instance/instance-dir.js'
import { listInstances } from '../../../src/core/instance/registry.js'
import { isFerryError } from '../../../src/core/errors.js'
import { fakeWatchdog } from './procs.js'

const NOBODY = 65534

test('default registry: root\'s under /run; others\' in their own 0700 $XDG_RUNTIME_DIR, else <temp>/ferry-<uid>', t => {
  const base = tmpDir(t)
  const run = join(base, 'run')
  mkdirSync(run)
  assert.equal(defaultRegistryDir({ uid: 0, env: {}, run, tmp: base }), join(run, 'ferry'))
  assert.equal(defaultRegistryDir({ uid: 0, env: {}, run: join(base, 'no-run'), tmp: base }), join(base, 'ferry-0'))

  const xdg = join(base, 'xdg')
  mkdirSync(xdg, { mode: 0o700 })
  chownSync(xdg, NOBODY, NOBODY)
  assert.equal(defaultRegistryDir({ uid: NOBODY, env: { XDG_RUNTIME_DIR: xdg }, run, tmp: base }), join(xdg, 'ferry'))
  assert.equal(defaultRegistryDir({ uid: 1, env: { XDG_RUNTIME_DIR: xdg }, run, tmp: base }), join(base, 'ferry-1'), 'another user\'s runtime dir is not used')
  chmodSync(xdg, 0o755)
  assert.equal(defaultRegistryDir({ uid: NOBODY, env: { XDG_RUNTIME_DIR: xdg }, run, tmp: base }), join(base, `ferry-${NOBODY}`), 'not 0700: not used')
  assert.equal(defaultRegistryDir({ uid: NOBODY, env: { XDG_RUNTIME_DIR: 'relative' }, run, tmp: base }), join(base, `ferry-${NOBODY}`))
})

test('an ordinary user\'s default registry is no longer the shared temp dir', async t => {
  const tmp = tmpDir(t)
  const script = `import(${JSON.stringify(join(repoRoot, 'dist/src/core/instance/registry.js'))}).then(m => process.stdout.write(m.registryDirFrom({ env: process.env })))`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    uid: NOBODY, gid: NOBODY, env: { PATH: process.env.PATH, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  await new Promise(resolve => child.on('exit', resolve))
  assert.equal(out, join(tmp, `ferry-${NOBODY}`))
})

test('ensureRegistryDir: makes the default registry, and refuses one another user made, a symlink or a writable one', t => {
  const base = tmpDir(t)
  const run = join(base, 'run')
  mkdirSync(run)
  const c = { uid: 0, env: {}, run, tmp: base }
  const dir = join(run, 'ferry')
  ensureRegistryDir(dir, c)
  assert.equal(statSync(dir).mode & 0o777, 0o755)
  ensureRegistryDir(dir, c) // again: fine

  const refused = (why: RegExp) => (err: unknown) => isFerryError(err) && err.code === 'E_REGISTRY_UNSAFE' && why.test(err.message)
  chmodSync(dir, 0o777)
  assert.throws(() => ensureRegistryDir(dir, c), refused(/others can write to it \(mode 0777\)/))
  chmodSync(dir, 0o755)
  chownSync(dir, NOBODY, NOBODY)
  assert.throws(() => ensureRegistryDir(dir, c), refused(/belongs to uid 65534/))

  const run2 = join(base, 'run2')
  mkdirSync(run2)
  mkdirSync(join(base, 'elsewhere'))
  symlinkSync(join(base, 'elsewhere'), join(run2, 'ferry'))
  assert.throws(() => ensureRegistryDir(join(run2, 'ferry'), { ...c, run: run2 }), refused(/is a symbolic link/))

  const explicit = join(base, 'explicit', 'reg')
  ensureRegistryDir(explicit, c)
  assert.ok(statSync(explicit).isDirectory(), 'an explicit registry is made as before')
})

test('a reused watchdog PID (another start time than recorded) is not taken for the live instance', async t => {
  const reg = tmpDir(t)
  const wd = await fakeWatchdog(t)
  const inst = createInstanceDir({ registryDir: reg, watchdogPid: wd, version: '0.1.0', integrationMode: 'standalone', listen: [] })
  inst.finalize()
  assert.equal(listInstances(reg).live.length, 1)
  // As if the instance had died and `wd` were a later process (even titled like a watchdog) that got its PID.
  writeFileSync(inst.paths.properties, JSON.stringify({ ...inst.properties, watchdog_start_time: inst.properties.watchdog_start_time! - 100 }))
  const r = listInstances(reg)
  assert.deepEqual(r.live, [])
  assert.deepEqual(r.cleaned, [inst.dir])
})

test('instances whose directory or files are another user\'s, writable by others or symlinks are untrusted: not listed, not cleaned', async t => {
  const reg = tmpDir(t)
  const wd = await fakeWatchdog(t)
  const make = () => { const i = createInstanceDir({ registryDir: reg, watchdogPid: wd, version: '0.1.0', integrationMode: 'standalone', listen: [] }); i.finalize(); return i }
  const good = make()
  const foreignDir = make()
  chownSync(foreignDir.dir, NOBODY, NOBODY)
  const linkedPassword = make()
  const { rmSync } = await import('node:fs')
  rmSync(linkedPassword.paths.fullAdminPassword)
  symlinkSync(good.paths.fullAdminPassword, linkedPassword.paths.fullAdminPassword)
  const writable = make()
  chmodSync(writable.paths.properties, 0o666)

  const r = listInstances(reg)
  assert.deepEqual(r.live.map(i => i.name), [good.name])
  assert.deepEqual(r.cleaned, [])
  const why = Object.fromEntries(r.untrusted.map(u => [u.name, u.reason]))
  assert.match(why[foreignDir.name]!, /belongs to uid 65534/)
  assert.match(why[linkedPassword.name]!, /full_admin_password\.txt is a symbolic link/)
  assert.match(why[writable.name]!, /properties\.json is writable by its group and others \(mode 0666\)/)
  assert.equal(r.warnings.length, 3)
})
