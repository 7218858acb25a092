// Another local user (nobody) against root's instances in a shared registry: a planted fake instance gets no
// credentials and no signal, and a user who may not read an instance is told so (exit 2), not that nothing runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chownSync, lchownSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { ferryBin, startFerry, stripAnsi } from '../helpers/ferry.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'
import { instanceDirIn } from '../helpers/instance.js'
import { isAlive } from '../helpers/procs.js'

const NOBODY = 65534

/** `ferry ARGS` run as nobody. */
function runAsNobody (args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null, stderr: string }> {
  const p = spawn(process.execPath, [ferryBin, ...args], { uid: NOBODY, gid: NOBODY, cwd: '/', env: { PATH: process.env.PATH, HOME: '/nonexistent', NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  p.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  return new Promise(resolve => p.on('exit', code => resolve({ code, stderr: stripAnsi(stderr) })))
}

test('a fake instance planted by another user gets no credentials and no signal (exit 2); the caller\'s own is still found', async t => {
  const registry = tmpDir(t)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  await startFerry(t, fixtureApp('hello'), [], env)
  const real = instanceDirIn(registry)
  const realName = basename(real).slice('ferry.'.length)

  // nobody's fake: a server titled like a watchdog on admin.sock, password files linked to the real instance's.
  const fake = join(registry, 'ferry.fakefak1')
  mkdirSync(fake, { mode: 0o700 })
  chownSync(fake, NOBODY, NOBODY)
  const server = `process.title = 'Ferry watchdog'; require('http').createServer((req, res) => {
    console.log('STOLEN ' + req.url + ' ' + req.headers.authorization); res.end('{"pool":{"groups":[]}}')
  }).listen(${JSON.stringify(join(fake, 'admin.sock'))}, () => console.log('up'))`
  const thief = spawn(process.execPath, ['-e', server], { uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => { thief.kill('SIGKILL') })
  let heard = ''
  thief.stdout.on('data', (c: Buffer) => { heard += c.toString() })
  await once(thief.stdout, 'data')
  writeFileSync(join(fake, 'properties.json'), JSON.stringify({ name: 'fakefak1', instance_id: 'x', version: '0.1.0', structure_version: { major: 1, minor: 0 },
    watchdog_pid: thief.pid, core_pid: null, listen: [], created_at: Math.floor(Date.now() / 1000), integration_mode: 'standalone', server_software: 'Ferry/0.1.0' }))
  writeFileSync(join(fake, 'creation_finalized'), '')
  for (const file of ['read_only_admin_password.txt', 'full_admin_password.txt']) symlinkSync(join(real, file), join(fake, file))
  for (const file of readdirSync(fake)) lchownSync(join(fake, file), NOBODY, NOBODY)

  const status = await runCli(['status', 'fakefak1'], { env })
  assert.equal(status.code, 2, status.stderr)
  assert.match(status.stderr, /^ferry: instance fakefak1 is not used: instance directory .*ferry\.fakefak1 belongs to uid 65534, not to you \(uid 0\) or root; its admin credentials were not sent \[E_INSTANCE_UNTRUSTED\]$/m)
  const restart = await runCli(['restart-app', '--instance', 'fakefak1'], { env })
  assert.equal(restart.code, 2, restart.stderr)
  const stop = await runCli(['stop', 'fakefak1'], { env })
  assert.equal(stop.code, 2, stop.stderr)
  assert.ok(isAlive(thief.pid!), 'the fake was not signalled')
  assert.equal(heard.includes('STOLEN'), false, heard)

  const mine = await runCli(['status'], { env })
  assert.equal(mine.code, 0, mine.stderr)
  assert.match(mine.stderr, /ignored instance directory .*ferry\.fakefak1: .*belongs to uid 65534/)
  assert.ok(mine.stdout.includes(`Instance: ${realName} `))
})

test('a user who may not open root\'s instance is told "not authorized" (exit 2), not "no instance" (exit 1)', async t => {
  const registry = tmpDir(t)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  await startFerry(t, fixtureApp('hello'), [], env)
  const realName = basename(instanceDirIn(registry)).slice('ferry.'.length)
  for (const args of [['status'], ['status', realName]]) {
    const other = await runAsNobody(args, env)
    assert.equal(other.code, 2, other.stderr)
    assert.match(other.stderr, /^ferry: cannot read .*read_only_admin_password\.txt: run this as the instance's user or with sudo \[E_NOT_AUTHORIZED\]\n$/)
  }
  const stop = await runAsNobody(['stop', realName], env)
  assert.equal(stop.code, 2, stop.stderr)
  assert.match(stop.stderr, /^ferry: you may not signal Ferry \(PID \d+\): run this as the instance's user or with sudo \[E_NOT_AUTHORIZED\]\n$/)
})
