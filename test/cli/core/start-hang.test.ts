// `ferry start` never waits forever. The hang seen once: `ferry start --bypass` while clients kept connecting (another
// instance had just stopped on that port). The core binds with a server it then closes; a client accepted by that
// server in between was held by nobody and server.close() waited for it, so the core never reported `listening`:
// no log line, no app process, no registry entry, later clients queued in the backlog, the CLI never returned.
// And whatever the cause, every start-up step has a bound (--start-timeout): a core whose watchdog never answers
// 'want-listener' fails with E_CORE_START_TIMEOUT (exit 1) instead of hanging.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runFerry } from '../../helpers/ferry.js'
import { runCli } from '../../helpers/cli.js'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { isAlive, waitFor } from '../../helpers/procs.js'
import { freePort } from '../../helpers/http.js'

/** Opens a connection every few ms, each sending one request and waiting for the answer with no timeout of its own. */
function knockEvery (port: number, ms: number): { stop: () => void, open: () => number, answered: () => number } {
  const open = new Set<Socket>()
  let answered = 0
  const timer = setInterval(() => {
    const s = connect(port, '127.0.0.1')
    s.on('connect', () => {
      open.add(s)
      s.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
    })
    s.once('data', () => { answered++ })
    s.on('error', () => {})
    s.on('close', () => open.delete(s))
  }, ms)
  return {
    stop: () => clearInterval(timer),
    open: () => open.size,
    answered: () => answered
  }
}

test('--bypass start while clients keep connecting: it finishes, and no client is left held', async t => {
  const port = await freePort()
  const clients = knockEvery(port, 3)
  t.after(() => clients.stop())
  // The hook widens the window between binding and handing the socket over (on main the natural window suffices).
  const ferry = await runFerry(t, ['start', fixtureApp('hello'), '--bypass', '--disable-turbocaching', '--port', String(port),
    '--address', '127.0.0.1'], { FERRY_TEST_HANDOFF_DELAY_MS: '300' })
  clients.stop()
  // Clients accepted in the window were reset (and the log says so); every other one is answered by the app.
  await waitFor(() => clients.open() === 0, 15_000, `every client to be answered or closed (${clients.open()} still open)`)
  assert.ok(clients.answered() > 0, 'the app answered the clients queued during start-up')
  assert.match(ferry.output(), /clients? connected while the listening socket was being handed to the watchdog and got a reset/)
})

test('a watchdog that never answers want-listener: start -d fails with E_CORE_START_TIMEOUT naming the step', async t => {
  const dir = tmpDir(t)
  const log = join(dir, 'ferry.log')
  // 2 s, not 1: the steps before the hand-off (admin API, binding) must not run out first on a loaded machine.
  // (The foreground path of the same error event is the next test's.)
  const r = await runCli(['start', fixtureApp('hello'), '-d', '--bypass', '--port', '0', '--address', '127.0.0.1', '--start-timeout', '2',
    '--instance-registry-dir', dir, '--pid-file', join(dir, 'ferry.pid'), '--log-file', log],
  { env: { FERRY_TEST_IGNORE_WANT_LISTENER: '1' }, timeoutMs: 20_000 })
  assert.equal(r.code, 1, r.stdout + r.stderr)
  assert.match(r.stderr, /^ferry: the Ferry core gave up starting: taking the listening socket back from the watchdog \(want-listener\) did not finish within 2 s \(--start-timeout\).*\[E_CORE_START_TIMEOUT\]$/m)
  // The core logged it too, and it is gone (the daemon exited after the CLI had its answer).
  const core = /ERROR\s+core (\d+)\] the Ferry core gave up starting/.exec(readFileSync(log, 'utf8'))
  assert.ok(core !== null, readFileSync(log, 'utf8'))
  await waitFor(() => !isAlive(Number(core[1])), 5_000, 'the core to exit')
})

test('a core stuck where none of its own steps waits: the watchdog kills it after --start-timeout plus 5 s, start fails', async t => {
  const dir = tmpDir(t)
  // The hook's pause lies between two bounded steps, so only the watchdog's own bound can end it.
  const r = await runCli(['start', fixtureApp('hello'), '--bypass', '--port', '0', '--address', '127.0.0.1', '--start-timeout', '1',
    '--instance-registry-dir', dir], { env: { FERRY_TEST_HANDOFF_DELAY_MS: '60000' }, timeoutMs: 30_000 })
  assert.equal(r.code, 1, r.stdout + r.stderr)
  assert.match(r.stderr, /^ferry: the Ferry core \(pid (\d+)\) did not listen within 6 s of its start \(--start-timeout plus 5 s\); killed it.*\[E_CORE_START_TIMEOUT\]$/m)
  const core = Number(/the Ferry core \(pid (\d+)\)/.exec(r.stderr)![1])
  await waitFor(() => !isAlive(core), 5_000, 'the core to be gone')
})

test('a core slow to load on a busy machine is not killed: the watchdog bound counts from its first beat', async t => {
  const dir = tmpDir(t)
  // Stands for a machine so busy that loading the core's modules takes 7 s: a preload that blocks only the core.
  const slow = join(dir, 'slow-core.cjs')
  writeFileSync(slow, "if ((process.argv[1] ?? '').endsWith('core-main.js')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 7000)\n")
  const r = await runCli(['start', fixtureApp('hello'), '-d', '--port', '0', '--address', '127.0.0.1', '--start-timeout', '1',
    '--instance-registry-dir', dir, '--pid-file', join(dir, 'ferry.pid'), '--log-file', join(dir, 'ferry.log')],
  { env: { NODE_OPTIONS: `--require ${slow}` }, timeoutMs: 30_000 })
  assert.equal(r.code, 0, r.stdout + r.stderr)
  const pid = Number(readFileSync(join(dir, 'ferry.pid'), 'utf8'))
  process.kill(pid, 'SIGTERM')
  await waitFor(() => !isAlive(pid), 15_000, 'the daemon to stop')
})
