// Picking the instance for status and the other API commands: each failure is thrown with its own code at once
// (never re-coded), and what the registry cleaned is known whether or not an instance was picked.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { tmpDir } from '../../helpers/tmp.js'
import { createInstanceDir } from '../../../src/core/instance/instance-dir.js'
import { listForSelection, selectFrom } from '../../../src/core/client/status.js'
import { deadPid, fakeWatchdog } from '../instance/procs.js'

const create = (registryDir: string, watchdogPid: number) =>
  createInstanceDir({ registryDir, watchdogPid, version: '0.1.0', integrationMode: 'standalone', listen: ['http://127.0.0.1:3000'] })

/** Throws `code` with exit code `exit`, as first thrown: no cause, nothing added to the error. */
function failsWith (fn: () => unknown, code: string, exit: number, message: RegExp): void {
  assert.throws(fn, (err: Error & { code?: string, exitCode?: number }) => {
    assert.equal(err.name, 'FerryError')
    assert.equal(err.code, code)
    assert.equal(err.exitCode, exit)
    assert.match(err.message, message)
    assert.equal(err.cause, undefined, 'not a re-coded error')
    assert.deepEqual(Object.keys(err).sort(), ['code', 'exitCode', 'httpStatus', 'name'], 'no fields added after the fact')
    return true
  })
}

test('none running is E_INSTANCE_NOT_FOUND (exit 1), naming the registry', t => {
  const reg = tmpDir(t)
  failsWith(() => selectFrom(listForSelection(reg), undefined), 'E_INSTANCE_NOT_FOUND', 1, /registry .*--instance-registry-dir/)
})

test('several running and no name is E_INSTANCE_AMBIGUOUS, with the candidates and the cleaned directories in the listing', async t => {
  const reg = tmpDir(t)
  const wd = await fakeWatchdog(t)
  const a = create(reg, wd)
  const b = create(reg, wd)
  const stale = create(reg, await deadPid())
  for (const i of [a, b, stale]) i.finalize()
  const listing = listForSelection(reg)
  assert.deepEqual(listing.cleaned, [stale.dir])
  assert.deepEqual(listing.candidates.map(i => i.name).sort(), [a.name, b.name].sort())
  failsWith(() => selectFrom(listing, undefined, 'reload'), 'E_INSTANCE_AMBIGUOUS', 1, /several.*`ferry reload <NAME>`/)
  failsWith(() => selectFrom(listing, 'nope'), 'E_INSTANCE_NOT_FOUND', 1, /no running Ferry instance is named 'nope'/)
  assert.equal(selectFrom(listing, a.name).name, a.name)
})
