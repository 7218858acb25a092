import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { runCli } from '../helpers/cli.js'
import { startFerry } from '../helpers/ferry.js'
import { Client } from 'undici'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'

/** Bad input: one line on stderr, naming what is wrong, a documented exit code, and no stack trace. */
function assertOneLineError (r: { code: number | null, stderr: string, stdout: string }, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr)
  const lines = r.stderr.trim().split('\n')
  assert.equal(lines.length, 1, r.stderr)
  assert.match(lines[0]!, /^ferry: /)
  assert.match(lines[0]!, pattern)
  assert.doesNotMatch(r.stderr, /\s+at .*:\d+:\d+/)
}

test('unknown flag: exit 2', async () => {
  assertOneLineError(await runCli(['start', '--bogus', fixtureApp('hello')]), 2, /Nonexistent flag: --bogus.*\[E_USAGE\]/)
})

test('bad values: exit 2, naming the option and the value', async () => {
  assertOneLineError(await runCli(['start', '--port', 'abc', fixtureApp('hello')]), 2, /--port: expected a whole number, got "abc"/)
  assertOneLineError(await runCli(['start', '--max-pool-size', '0', fixtureApp('hello')]), 2, /--max-pool-size: expected a number of at least 1/)
  assertOneLineError(await runCli(['start', '--app-type', 'cobol', fixtureApp('hello')]), 2, /--app-type: expected one of node, python, ruby, generic/)
  assertOneLineError(await runCli(['start', '--admin-address', 'localhost', fixtureApp('hello')]), 2, /--admin-address: expected HOST:PORT/)
  assertOneLineError(await runCli(['start', '--metrics-address', '9100', fixtureApp('hello')]), 2, /--metrics-address: expected HOST:PORT, e\.g\. 127\.0\.0\.1:9100, got "9100"/)
})

test('a missing APP_DIR: exit 3', async () => {
  assertOneLineError(await runCli(['start', '/nonexistent/app']), 3, /\/nonexistent\/app does not exist.*\[E_APP_NOT_FOUND\]/)
})

test('no startup file: exit 3 with what was looked for', async t => {
  const dir = tmpDir(t)
  assertOneLineError(await runCli(['start', dir]), 3, /app\.js.*--startup-file.*\[E_STARTUP_FILE_NOT_FOUND\]/)
})

test('a port already in use: exit 4', async t => {
  const blocker = createServer()
  blocker.listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.after(() => blocker.close())
  const port = (blocker.address() as AddressInfo).port
  const r = await runCli(['start', fixtureApp('hello'), '--address', '127.0.0.1', '--port', String(port)])
  assert.equal(r.code, 4, r.stderr)
  assert.match(r.stderr, new RegExp(`ferry: 127\\.0\\.0\\.1:${port} is already in use.*--port`))
  assert.doesNotMatch(r.stderr, /\s+at .*:\d+:\d+/)
})

/** A start that fails once the core runs: the core's log line, then the CLI's one line with the code; no stack. */
function assertStartError (r: { code: number | null, stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr)
  assert.match(r.stderr, new RegExp(`^ferry: .*${pattern.source}`, 'm'))
  assert.doesNotMatch(r.stderr, /\s+at .*:\d+:\d+/)
}

test('--metrics-address on a port in use: exit 4, naming the option', async t => {
  const blocker = createServer()
  blocker.listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.after(() => blocker.close())
  const port = (blocker.address() as AddressInfo).port
  const r = await runCli(['start', fixtureApp('hello'), '--address', '127.0.0.1', '--port', '0', '--metrics-address', `127.0.0.1:${port}`],
    { env: { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) } })
  assertStartError(r, 4, new RegExp(`--metrics-address 127\\.0\\.0\\.1:${port} is already in use.*\\[E_PORT_IN_USE\\]`))
})

test('--socket: a regular file or a live socket at the path is kept and is an error (exit 4); a stale socket is replaced', async t => {
  const { readFileSync, writeFileSync, existsSync, statSync } = await import('node:fs')
  const { spawn } = await import('node:child_process')
  const dir = tmpDir(t)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: dir }
  const file = `${dir}/data.txt`
  writeFileSync(file, 'precious')
  assertStartError(await runCli(['start', fixtureApp('hello'), '--socket', file], { env }), 4, /data\.txt exists and is a regular file, not a socket.*\[E_LISTEN_FAILED\]/)
  assert.equal(readFileSync(file, 'utf8'), 'precious', 'the file is untouched')

  const live = createServer(s => { s.on('error', () => {}); s.destroy() }).listen(`${dir}/live.sock`)
  await once(live, 'listening')
  t.after(() => live.close())
  assertStartError(await runCli(['start', fixtureApp('hello'), '--socket', `${dir}/live.sock`], { env }), 4, /live\.sock is in use.*\[E_PORT_IN_USE\]/)
  assert.ok(existsSync(`${dir}/live.sock`), 'the live socket is kept')

  // A socket left by a process killed outright: nobody listens, so it is stale and replaced.
  const stale = `${dir}/stale.sock`
  const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'ignore'] })
  await once(holder.stdout!, 'data')
  holder.kill('SIGKILL')
  await once(holder, 'exit')
  assert.ok(statSync(stale).isSocket())
  const f = await startFerry(t, fixtureApp('hello'), ['--socket', stale], env)
  assert.equal(f.url, `unix:${stale}`)
  const client = new Client('http://localhost', { socketPath: stale })
  t.after(() => client.close())
  assert.equal((await client.request({ path: '/', method: 'GET' })).statusCode, 200)
})

test('an unwritable log file: exit 5', async t => {
  const dir = tmpDir(t)
  assertOneLineError(await runCli(['start', fixtureApp('hello'), '--log-file', `${dir}/missing/dir/ferry.log`]), 5, /cannot write log file .*--log-file.*\[E_LOG_FILE\]/)
})

test('--log-level debug adds the stack trace', async () => {
  const r = await runCli(['start', '/nonexistent/app', '--log-level', 'debug'])
  assert.equal(r.code, 3)
  assert.match(r.stderr, /\s+at .*:\d+:\d+/)
})

test('--help lists every start flag with its default', async () => {
  const r = await runCli(['start', '--help'])
  assert.equal(r.code, 0)
  for (const [flag, def] of [['--port', '3000'], ['--address', '0.0.0.0'], ['--environment', 'production'], ['--max-pool-size', '6'],
    ['--min-instances', '1'], ['--max-request-queue-size', '100'], ['--pool-idle-time', '300 seconds'], ['--start-timeout', '90 seconds'],
    ['--response-buffer-high-watermark', '134217728 bytes']]) {
    assert.match(r.stdout.replace(/\s+/g, ' '), new RegExp(`${flag}[^\\[]*\\[default: ${def}\\]`), flag)
  }
  for (const flag of ['--socket', '--daemonize', '--pid-file', '--instance-registry-dir', '--app-type', '--startup-file', '--app-start-command',
    '--envvar', '--friendly-error-pages', '--max-instances', '--concurrency', '--log-file', '--log-level']) {
    assert.ok(r.stdout.includes(flag), flag)
  }
})
