import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'
import { get, freePort } from '../helpers/http.js'
import { isAlive, waitFor } from '../helpers/procs.js'

test('--daemonize: the banner, then the instance runs on its own until `ferry stop NAME`', async t => {
  const registry = tmpDir(t)
  const port = await freePort()
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  const started = await runCli(['start', fixtureApp('hello'), '--daemonize', '--address', '127.0.0.1', '--port', String(port)], { env })
  t.after(async () => { await runCli(['stop', '--port', String(port)], { env }) })
  assert.equal(started.code, 0, started.stderr)
  const name = /Instance:\s+(\S+)/.exec(started.stdout)?.[1]
  assert.ok(name !== undefined, started.stdout)
  assert.match(started.stdout, new RegExp(`Stop:\\s+ferry stop ${name}`))
  const pidFile = join(registry, `ferry.${port}.pid`)
  const logFile = join(registry, `ferry.${port}.log`)
  const pid = Number(readFileSync(pidFile, 'utf8'))
  assert.ok(isAlive(pid))
  assert.equal((await get(`http://127.0.0.1:${port}/`)).status, 200)
  assert.match(readFileSync(logFile, 'utf8'), /Ferry core listening/)
  const props = JSON.parse(readFileSync(join(registry, `ferry.${name}`, 'properties.json'), 'utf8')) as { watchdog_pid: number, core_pid: number }
  assert.equal(props.watchdog_pid, pid)
  assert.ok(props.core_pid > 0)

  const again = await runCli(['start', fixtureApp('hello'), '--daemonize', '--address', '127.0.0.1', '--port', String(port)], { env })
  assert.equal(again.code, 6, 'a second start over a live pid file is refused')
  assert.match(again.stderr, /already running as PID/)

  // Nothing changed: a reload reports no instance option as waiting for a restart (the daemon's own default
  // --pid-file and --log-file are not changes).
  const reloaded = await runCli(['reload', name], { env })
  assert.equal(reloaded.code, 0, reloaded.stderr)
  assert.doesNotMatch(reloaded.stdout, /Not applied/)
  assert.deepEqual(JSON.parse((await runCli(['reload', name, '--json'], { env })).stdout).needs_restart, [])

  const stopped = await runCli(['stop', name.slice(0, 4)], { env })
  assert.equal(stopped.code, 0, stopped.stderr)
  assert.match(stopped.stdout, new RegExp(`Stopped Ferry \\(PID ${pid}\\)`))
  await waitFor(() => !isAlive(pid), 5000, 'the watchdog to exit')
  assert.equal(existsSync(pidFile), false, 'the pid file is removed')
  assert.deepEqual(readdirSync(registry).filter(f => f.startsWith('ferry.') && !f.includes('.log')), [], 'the instance directory is removed')
})

test('ferry stop --pid-file, and stop with nothing running (exit 7)', async t => {
  const dir = tmpDir(t)
  const port = await freePort()
  const pidFile = join(dir, 'ferry.pid')
  const started = await runCli(['start', fixtureApp('hello'), '-d', '--address', '127.0.0.1', '--port', String(port), '--pid-file', pidFile, '--log-file', join(dir, 'log')])
  t.after(async () => { await runCli(['stop', '--pid-file', pidFile]) })
  assert.equal(started.code, 0, started.stderr)
  const stopped = await runCli(['stop', '--pid-file', pidFile])
  assert.equal(stopped.code, 0, stopped.stderr)
  const none = await runCli(['stop', '--pid-file', pidFile])
  assert.equal(none.code, 7)
  assert.match(none.stderr, /^ferry: no running Ferry found through pid file .*\[E_NOT_RUNNING\]\n$/)
  const byPort = await runCli(['stop', '--port', String(port)], { env: { FERRY_INSTANCE_REGISTRY_DIR: dir } })
  assert.equal(byPort.code, 7)
  // A name is looked up as every command looks it up: no such instance is exit 1, as for `ferry status NAME`.
  const unknown = await runCli(['stop', 'nosuchname'], { env: { FERRY_INSTANCE_REGISTRY_DIR: dir } })
  assert.equal(unknown.code, 1, 'no instance in that registry')
  assert.match(unknown.stderr, /^ferry: .*FERRY_INSTANCE_REGISTRY_DIR.*\[E_INSTANCE_NOT_FOUND\]\n$/)
})

test('start -d refuses pid and log symlinks another user planted at the default paths; their targets are untouched', async t => {
  const { lchownSync, symlinkSync, writeFileSync, rmSync, mkdtempSync, chmodSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  // Not tmpDir(): its removal would run before the hook below, which may need the instance directory.
  const registry = mkdtempSync(join(tmpdir(), 'fy-'))
  chmodSync(registry, 0o755)
  const port = await freePort()
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  const victim = join(registry, 'root-only')
  writeFileSync(victim, 'precious\n', { mode: 0o600 })
  const plant = (path: string): void => { symlinkSync(victim, path); lchownSync(path, 65534, 65534) }
  const logFile = join(registry, `ferry.${port}.log`)
  const pidFile = join(registry, `ferry.${port}.pid`)
  plant(logFile)
  const args = ['start', fixtureApp('hello'), '--daemonize', '--address', '127.0.0.1', '--port', String(port)]
  t.after(async () => {
    await runCli(['stop', '--port', String(port)], { env })
    // Should a start wrongly succeed (its pid file gone through the link), stop it through the registry instead.
    for (const dir of readdirSync(registry).filter(n => /^ferry\.[a-z0-9]{8}$/.test(n))) {
      try { process.kill((JSON.parse(readFileSync(join(registry, dir, 'properties.json'), 'utf8')) as { watchdog_pid: number }).watchdog_pid, 'SIGTERM') } catch {}
    }
    rmSync(registry, { recursive: true, force: true })
  })
  const viaLog = await runCli(args, { env })
  assert.equal(viaLog.code, 5, viaLog.stderr)
  assert.match(viaLog.stderr, /^ferry: cannot write log file .*symbolic link made by uid 65534.*\[E_LOG_FILE\]\n$/)
  rmSync(logFile)
  plant(pidFile)
  const viaPid = await runCli(args, { env })
  assert.equal(viaPid.code, 5, viaPid.stderr)
  assert.match(viaPid.stderr, /^ferry: cannot write pid file .*symbolic link made by uid 65534.*\[E_PID_FILE\]\n$/)
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'nothing was written through the links')
})

test('a pid file naming a live unrelated process: stop leaves it alone (exit 7, says why); start proceeds', async t => {
  const { spawn } = await import('node:child_process')
  const { writeFileSync } = await import('node:fs')
  const dir = tmpDir(t)
  const port = await freePort()
  const pidFile = join(dir, 'ferry.pid')
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' })
  t.after(() => { sleeper.kill('SIGKILL') })
  writeFileSync(pidFile, `${sleeper.pid!}\n`)

  const stop = await runCli(['stop', '--pid-file', pidFile])
  assert.equal(stop.code, 7, stop.stderr)
  assert.match(stop.stderr, new RegExp(`^ferry: pid file .* is stale: PID ${sleeper.pid!} is not a Ferry watchdog \\(it is "sleep"\\); nothing was signalled \\[E_NOT_RUNNING\\]\\n$`))
  assert.ok(isAlive(sleeper.pid!), 'the unrelated process lives')

  writeFileSync(pidFile, `${sleeper.pid!}\n`)
  const started = await runCli(['start', fixtureApp('hello'), '-d', '--address', '127.0.0.1', '--port', String(port), '--pid-file', pidFile,
    '--log-file', join(dir, 'log'), '--instance-registry-dir', dir])
  t.after(async () => { await runCli(['stop', '--pid-file', pidFile]) })
  assert.equal(started.code, 0, started.stderr)
  const watchdog = Number(readFileSync(pidFile, 'utf8'))
  assert.notEqual(watchdog, sleeper.pid)
  const stopped = await runCli(['stop', '--pid-file', pidFile])
  assert.equal(stopped.code, 0, stopped.stderr)
  assert.ok(isAlive(sleeper.pid!), 'still alive')
})
