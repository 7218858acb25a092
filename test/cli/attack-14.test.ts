// Reproductions from a hostile review of issue 14 as merged (process and instance hardening), as root against another
// local user (nobody): each failed before its fix.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, chownSync, closeSync, constants, lchownSync, mkdirSync, openSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { runFerry, startFerry } from '../helpers/ferry.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'

const asRoot = process.geteuid?.() === 0
const skip = asRoot ? false : 'needs root, to act as another local user (nobody)'
const NOBODY = 65534
const DAEMON = 1

/** A directory anyone may create files in, like /tmp (sticky, 1777). */
function sharedDir (t: Parameters<typeof tmpDir>[0]): string {
  const dir = join(tmpDir(t), 'shared')
  mkdirSync(dir)
  chmodSync(dir, 0o1777)
  return dir
}

/** Releases anyone blocked opening the FIFO for writing (their open then completes and is judged on its own). */
function releaseFifo (path: string): void {
  try { closeSync(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)) } catch {}
}

test('a FIFO another user planted at --log-file is refused at once; ferry start -d does not hang in open()', {
  skip
}, async t => {
  const dir = sharedDir(t)
  const fifo = join(dir, 'ferry.log')
  const pidFile = join(dir, 'ferry.pid')
  const mk = spawnSync('mkfifo', [fifo], { uid: NOBODY, gid: NOBODY })
  assert.equal(mk.status, 0, String(mk.stderr))
  const env = { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) }
  t.after(async () => {
    releaseFifo(fifo)
    await runCli(['stop', '--pid-file', pidFile], { env, timeoutMs: 20_000 }).catch(() => {})
  })
  let r
  try {
    r = await runCli(['start', fixtureApp('hello'), '-d', '--port', '0', '--address', '127.0.0.1', '--log-file', fifo, '--pid-file', pidFile],
      { env, timeoutMs: 6_000 })
  } catch (err) {
    releaseFifo(fifo)
    throw err
  }
  assert.equal(r.code, 5, r.stderr)
  assert.match(r.stderr, /cannot write log file .*ferry\.log: .*\[E_LOG_FILE\]/)
})

test('a core restarted after logrotate, with another user\'s symlink planted at the log path, still serves', {
  skip
}, async t => {
  const dir = sharedDir(t)
  const log = join(dir, 'ferry.log')
  const f = await startFerry(t, fixtureApp('hello'), ['--log-file', log], { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) })
  renameSync(log, `${log}.1`) // logrotate's move; its postrotate has not run yet
  symlinkSync(join(dir, 'anywhere'), log)
  lchownSync(log, NOBODY, NOBODY)
  process.kill(f.corePid, 'SIGKILL')
  const deadline = Date.now() + 6_000
  let last = ''
  for (;;) {
    try {
      const res = await fetch(`${f.url}/`, { signal: AbortSignal.timeout(2000) })
      last = String(res.status)
      if (res.status === 200) break
    } catch (err) { last = (err as Error).message }
    if (Date.now() > deadline) assert.fail(`no 200 within 6 s of the core's restart (last: ${last})`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
})

test('ferry reopen-logs with another user\'s symlink at the log path says why, not "the admin API answered 500"', {
  skip
}, async t => {
  const dir = sharedDir(t)
  const log = join(dir, 'ferry.log')
  const env = { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) }
  await startFerry(t, fixtureApp('hello'), ['--log-file', log], env)
  renameSync(log, `${log}.1`)
  symlinkSync(join(dir, 'anywhere'), log)
  lchownSync(log, NOBODY, NOBODY)
  const r = await runCli(['reopen-logs'], { env })
  assert.notEqual(r.code, 0)
  assert.match(r.stderr, /symbolic link made by uid 65534/)
  assert.doesNotMatch(r.stderr, /E_API_UNREACHABLE/)
})

test('an app\'s Ferryfile.json symlinked to another user\'s private Ferryfile.json does not hand the app that user\'s --envvar secrets', {
  skip
}, async t => {
  // The victim: a private app directory (0700, daemon's) whose Ferryfile.json (0600) holds a secret.
  const victim = join(tmpDir(t), 'victim')
  mkdirSync(victim, { mode: 0o700 })
  writeFileSync(join(victim, 'Ferryfile.json'), JSON.stringify({ envvar: ['VICTIM_SECRET=pw123'] }), { mode: 0o600 })
  chownSync(join(victim, 'Ferryfile.json'), DAEMON, DAEMON)
  chownSync(victim, DAEMON, DAEMON)
  // The attacker (nobody): an app that prints its environment, its Ferryfile.json a symlink to the victim's.
  const app = join(tmpDir(t), 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'app.js'), "require('node:http').createServer((q, s) => s.end(JSON.stringify(process.env))).listen(process.env.PORT || 3000)\n")
  symlinkSync(join(victim, 'Ferryfile.json'), join(app, 'Ferryfile.json'))
  for (const p of [app, join(app, 'app.js'), join(app, 'Ferryfile.json')]) lchownSync(p, NOBODY, NOBODY)
  const r = spawnSync('cat', [join(app, 'Ferryfile.json')], { uid: NOBODY, gid: NOBODY })
  assert.notEqual(r.status, 0, 'nobody cannot read the victim\'s file itself')

  let url: string
  try {
    url = (await startFerry(t, app, [], { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) })).url
  } catch {
    return // refusing to start (a Ferryfile.json another user's, or reached through a symlink) is fine too
  }
  const env = await (await fetch(`${url}/`)).json() as Record<string, string>
  assert.equal(env['VICTIM_SECRET'], undefined)
})

test('as root, a --config file another user wrote cannot run a command of theirs as an app directory\'s owner', {
  skip
}, async t => {
  // The victim's app directory (daemon's); the attacker (nobody) writes a --config that names it.
  const victim = join(tmpDir(t), 'victim')
  mkdirSync(victim)
  writeFileSync(join(victim, 'app.js'), "require('node:http').createServer((q, s) => s.end('ok')).listen(process.env.PORT || 3000)\n")
  chownSync(join(victim, 'app.js'), DAEMON, DAEMON)
  chownSync(victim, DAEMON, DAEMON)
  const dir = sharedDir(t)
  const mark = join(dir, 'ran-as')
  const config = join(dir, 'ferry.json')
  writeFileSync(config, JSON.stringify({
    apps: [{ root: victim, 'app-type': 'generic', 'app-start-command': `id -u > ${mark}; exec ${process.execPath} app.js` }]
  }))
  chownSync(config, NOBODY, NOBODY)

  try {
    await runFerry(t, ['start', '--config', config, '--port', '0', '--address', '127.0.0.1'], { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) })
  } catch {} // refusing the file is the expected outcome
  const ran = spawnSync('cat', [mark]).stdout.toString().trim()
  assert.equal(ran, '', `nobody's command ran as uid ${ran}`)
})

test('as root, an app whose public/ is a symlink to another user\'s private directory does not serve that user\'s files', {
  skip
}, async t => {
  const victim = join(tmpDir(t), 'victim')
  mkdirSync(victim, { mode: 0o700 })
  writeFileSync(join(victim, 'secret.txt'), 'victim-secret\n', { mode: 0o600 })
  chownSync(join(victim, 'secret.txt'), DAEMON, DAEMON)
  chownSync(victim, DAEMON, DAEMON)
  const app = join(tmpDir(t), 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'app.js'), "require('node:http').createServer((q, s) => s.end('from the app')).listen(process.env.PORT || 3000)\n")
  symlinkSync(victim, join(app, 'public'))
  for (const p of [app, join(app, 'app.js'), join(app, 'public')]) lchownSync(p, NOBODY, NOBODY)
  assert.notEqual(spawnSync('cat', [join(app, 'public', 'secret.txt')], { uid: NOBODY, gid: NOBODY }).status, 0, 'nobody cannot read it itself')

  const f = await startFerry(t, app, [], { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) })
  const body = await (await fetch(`${f.url}/secret.txt`)).text()
  assert.doesNotMatch(body, /victim-secret/)
})
