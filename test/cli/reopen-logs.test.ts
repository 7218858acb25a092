// `ferry reopen-logs` as logrotate runs it: after the log file was renamed, the instance writes to a new file at the
// same path; an instance without --log-file has nothing to reopen (exit 5).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { startFerry } from '../helpers/ferry.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'
import { waitFor } from '../helpers/procs.js'

test('ferry reopen-logs: a renamed log file is replaced by a new one that the instance writes to', async t => {
  const registry = tmpDir(t)
  const log = join(registry, 'ferry.log')
  await startFerry(t, fixtureApp('hello'), ['--log-file', log, '--instance-registry-dir', registry])
  renameSync(log, `${log}.1`)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  const r = await runCli(['reopen-logs'], { env })
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /^Instance [a-z0-9]{8} reopened its log file\n$/)
  await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes(`reopened the log file ${log}`), 5_000, 'the new log file')
  assert.doesNotMatch(readFileSync(`${log}.1`, 'utf8'), /reopened the log file/, 'new lines go to the new file only')
  assert.match(readFileSync(`${log}.1`, 'utf8'), /Ferry core listening/, 'the old file keeps what it had')

  const json = await runCli(['reopen-logs', '--json'], { env })
  assert.equal(json.code, 0, json.stderr)
  assert.equal(JSON.parse(json.stdout).reopened, true)
})

test('ferry reopen-logs: an instance logging to its terminal has nothing to reopen (exit 5), an unknown name exits 1', async t => {
  const registry = tmpDir(t)
  await startFerry(t, fixtureApp('hello'), ['--instance-registry-dir', registry])
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  const r = await runCli(['reopen-logs'], { env })
  assert.equal(r.code, 5)
  assert.match(r.stderr, /logs to its terminal \(started without --log-file\): there is no log file to reopen \[E_LOG_FILE\]/)
  const unknown = await runCli(['reopen-logs', 'zzzzzzzz'], { env })
  assert.equal(unknown.code, 1, unknown.stderr)
})
