// The log stays bounded and never holds up requests: a flood of app output is rate-limited (with a notice of what
// was dropped), runaway lines are cut, and a crash-looping app's identical per-request errors are summarised.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry } from '../../helpers/ferry.js'
import { get } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'

test('an app printing 20 MB: the log grows by its budget only, says what it dropped, cuts long lines, and requests are answered meanwhile', async t => {
  const dir = tmpDir(t)
  const log = join(dir, 'ferry.log')
  const f = await startFerry(t, fixtureApp('chatty'), ['--log-file', log, '--instance-registry-dir', dir,
    '--app-output-rate', '64', '--app-output-burst', '256'])
  const flood = get(`${f.url}/flood?mb=20`)
  // Another request while the output pours in: answered, and in far less time than the flood takes to log on main.
  const started = Date.now()
  const other = await get(`${f.url}/`)
  assert.equal(other.status, 200)
  assert.ok(Date.now() - started < 5_000, `a concurrent request took ${Date.now() - started} ms`)
  assert.equal((await flood).status, 200)

  const text = (): string => readFileSync(log, 'utf8')
  await waitFor(() => /dropped \d+ lines \/ \d+ bytes of output from app \S+chatty in the last \d+ s/.test(text()), 15_000, 'the dropped-output notice')
  const dropped = [...text().matchAll(/dropped (\d+) lines \/ (\d+) bytes of output/g)].reduce((n, m) => n + Number(m[2]), 0)
  assert.ok(dropped > 15 * 1024 * 1024, `only ${dropped} bytes reported dropped`)
  // 256 KiB at once plus 64 KiB/s for the few seconds this takes, and Ferry's own lines: far below the 20 MB printed.
  const size = statSync(log).size
  assert.ok(size < 2 * 1024 * 1024, `the log grew to ${size} bytes`)
  // The 100,000-character line came first (within the burst): its head, and a marker saying how much was cut.
  assert.match(text(), new RegExp(`: L{16384} \\[\\.\\.\\. line cut: ${100_000 - 16_384} more characters\\]\\n`))
})

test('a crash-looping app: the per-request error is logged once and its repeats summarised', async t => {
  const dir = tmpDir(t)
  const log = join(dir, 'ferry.log')
  const f = await startFerry(t, fixtureApp('crashing'), ['--log-file', log, '--instance-registry-dir', dir])
  for (let i = 0; i < 20; i++) assert.equal((await get(`${f.url}/r${i}`)).status, 500)
  const text = (): string => readFileSync(log, 'utf8')
  const summary = /last message repeated (\d+) times in \d+ s: requests answered 500 \(their URLs and error IDs are not logged one by one\): App process for \S+ exited during start-up/g
  await waitFor(() => new RegExp(summary.source).test(text()), 15_000, 'the summary line')
  const logged = text().match(/ GET \/r\d+: .*\(error ID [0-9a-f]{8}\)/g) ?? []
  const repeated = [...text().matchAll(summary)].reduce((n, m) => n + Number(m[1]), 0)
  assert.ok(logged.length <= 2, `${logged.length} per-request lines were logged`)
  assert.equal(logged.length + repeated, 20, 'every failed request is either logged or counted')
})
