// `ferry start --daemonize` hands the instance over to the daemon soundly: with several pre-started processes and
// with a multi-app config, every start returns 0 with the banner, serves, and stops leaving no process behind.
// Before the daemon ended the hand-off itself, most starts with 2+ processes crashed the CLI (kPendingMessages) or
// the daemon (EPIPE). bench/daemon-starts.ts runs the same rounds 50 times per shape.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SHAPES, daemonCycle } from '../helpers/daemon-cycle.js'
import { runCli } from '../helpers/cli.js'
import { isAlive, waitFor } from '../helpers/procs.js'

test('--daemonize with 2 and 4 processes and a multi-app config: four starts in a row serve and stop cleanly', async () => {
  const shapes = SHAPES.slice(1)
  for (let i = 0; i < 4; i++) {
    const shape = shapes[i % shapes.length]!
    assert.equal(await daemonCycle(shape), undefined, `round ${i + 1} (${shape.label})`)
  }
})

test('ferry fly --daemonize without --config returns with the banner (no app to wait for), then stops', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'fy-fly-'))
  const pidFile = join(dir, 'ferry.pid')
  const args = ['--pid-file', pidFile, '--log-file', join(dir, 'log'), '--instance-registry-dir', dir]
  // One hook, stop before removing the directory: on main the start hangs and the daemon must still be stopped.
  t.after(async () => {
    await runCli(['stop', '--pid-file', pidFile])
    rmSync(dir, { recursive: true, force: true })
  })
  const started = await runCli(['fly', '-d', '--socket-file', join(dir, 'front.sock'), ...args], { timeoutMs: 20_000 })
  assert.equal(started.code, 0, started.stderr)
  assert.match(started.stdout, /Stop:\s+ferry stop/)
  const pid = Number(readFileSync(pidFile, 'utf8'))
  assert.equal((await runCli(['stop', '--pid-file', pidFile])).code, 0)
  await waitFor(() => !isAlive(pid), 10_000, 'the watchdog to exit')
})
