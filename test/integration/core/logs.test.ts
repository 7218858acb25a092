// The log stays bounded and never holds up requests: a flood of app output is rate-limited (with a notice of what
// was dropped), runaway lines are cut, and a crash-looping app's identical per-request errors are summarised. One
// instance serves both apps, so the two 5-second report windows are waited for once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'

test('a 20 MB flood of app output and a crash loop: the log stays small, says what it dropped and summarises repeats', async t => {
  const dir = tmpDir(t)
  const log = join(dir, 'ferry.log')
  const config = join(dir, 'ferry.json')
  writeFileSync(config, JSON.stringify({
    'app-output-rate': 64,
    'app-output-burst': 256,
    apps: [{ root: fixtureApp('chatty') }, { root: fixtureApp('crashing'), base_uri: '/crash' }]
  }))
  const f = await startCore(t, undefined, ['--config', config, '--log-file', log, '--instance-registry-dir', dir])
  const flood = get(`${f.url}/flood?mb=20`)
  // Other requests while the output pours in: answered (generous bound; on main the log's synchronous writes
  // stalled the core for seconds), each crash-loop failure among them.
  const started = Date.now()
  assert.equal((await get(`${f.url}/`)).status, 200)
  for (let i = 0; i < 20; i++) assert.equal((await get(`${f.url}/crash/r${i}`)).status, 500)
  assert.ok(Date.now() - started < 10_000, `21 requests took ${Date.now() - started} ms`)
  assert.equal((await flood).status, 200)

  const text = (): string => readFileSync(log, 'utf8')
  const summary = /last message repeated (\d+) times in \d+ s: requests answered 500 \(their URLs and error IDs are not logged one by one\): App process for \S+crashing exited during start-up/g
  await waitFor(() => /dropped \d+ lines \/ \d+ bytes of output from app \S+chatty in the last \d+ s/.test(text()) &&
    new RegExp(summary.source).test(text()), 15_000, 'the dropped-output notice and the repeat summary')

  // The flood: 256 KiB at once plus 64 KiB/s for the few seconds this takes, and Ferry's own lines.
  const dropped = [...text().matchAll(/dropped (\d+) lines \/ (\d+) bytes of output/g)].reduce((n, m) => n + Number(m[2]), 0)
  assert.ok(dropped > 15 * 1024 * 1024, `only ${dropped} bytes reported dropped`)
  const size = statSync(log).size
  assert.ok(size < 2 * 1024 * 1024, `the log grew to ${size} bytes`)
  // The 100,000-character line came first (within the burst): its head, and a marker saying how much was cut.
  assert.match(text(), new RegExp(`: L{16384} \\[\\.\\.\\. line cut: ${100_000 - 16_384} more characters\\]\\n`))

  // The crash loop: one line with its URL and error ID, the rest counted.
  const logged = text().match(/ GET \/crash\/r\d+: .*\(error ID [0-9a-f]{8}\)/g) ?? []
  const repeated = [...text().matchAll(summary)].reduce((n, m) => n + Number(m[1]), 0)
  assert.ok(logged.length <= 2, `${logged.length} per-request lines were logged`)
  assert.equal(logged.length + repeated, 20, 'every failed request is either logged or counted')
})
