import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { lchownSync, readFileSync, symlinkSync, utimesSync, writeFileSync, chownSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from '../../helpers/tmp.js'
import { deadPid, fakeWatchdog } from '../instance/procs.js'
import { assertNotRunning, inspectPidFile, writePidFile } from '../../../src/core/watchdog/pid-file.js'
import { isFerryError } from '../../../src/core/errors.js'

const NOBODY = 65534

test('inspectPidFile: only a live watchdog of the file\'s owner, started before the file was written, counts', async t => {
  const dir = tmpDir(t)
  const file = join(dir, 'ferry.pid')
  assert.deepEqual(inspectPidFile(file), { kind: 'none' })

  const wd = await fakeWatchdog(t)
  writeFileSync(file, `${wd}\n`)
  assert.deepEqual(inspectPidFile(file), { kind: 'watchdog', pid: wd })

  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' })
  t.after(() => { sleeper.kill('SIGKILL') })
  writeFileSync(file, `${sleeper.pid!}\n`)
  const foreign = inspectPidFile(file)
  assert.equal(foreign.kind, 'stale')
  assert.match((foreign as { why: string }).why, /is not a Ferry watchdog \(it is "sleep"\)/)

  writeFileSync(file, `${await deadPid()}\n`)
  assert.match((inspectPidFile(file) as { why: string }).why, /is not running/)

  // The file was written an hour before this watchdog started: its PID was reused.
  writeFileSync(file, `${wd}\n`)
  const hourAgo = new Date(Date.now() - 3600_000)
  utimesSync(file, hourAgo, hourAgo)
  assert.match((inspectPidFile(file) as { why: string }).why, /started after the pid file was written/)

  // Another user's file naming root's watchdog is not believed.
  writeFileSync(file, `${wd}\n`)
  chownSync(file, NOBODY, NOBODY)
  assert.match((inspectPidFile(file) as { why: string }).why, /belongs to uid 65534/)
})

test('writePidFile and assertNotRunning refuse a symlink another user planted; the target is untouched', t => {
  const dir = tmpDir(t)
  const victim = join(dir, 'victim')
  writeFileSync(victim, 'precious\n')
  const file = join(dir, 'ferry.pid')
  symlinkSync(victim, file)
  lchownSync(file, NOBODY, NOBODY)
  for (const fn of [() => writePidFile(file, 4242), () => assertNotRunning(file)]) {
    assert.throws(fn, (err: unknown) => isFerryError(err) && err.code === 'E_PID_FILE' && /symbolic link made by uid 65534/.test(err.message))
  }
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n')

  // An ordinary stale file of ours is replaced.
  const own = join(dir, 'own.pid')
  writeFileSync(own, '999999999 and more\n')
  writePidFile(own, 4242)
  assert.equal(readFileSync(own, 'utf8'), '4242\n')
})
