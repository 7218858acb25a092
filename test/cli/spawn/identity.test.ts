// When Ferry runs as root, app processes do not: the startup file's owner, nobody for root-owned apps, or --user;
// never a user or group the app's own Ferryfile.json asks for, and never with root's environment.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, chownSync, cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from 'undici'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry, startFly, logged } from '../../helpers/ferry.js'
import { getJson } from '../../helpers/http.js'
import { runCli } from '../../helpers/cli.js'

const asRoot = process.geteuid?.() === 0
const skip = asRoot ? false : 'Ferry switches users only when it runs as root; run the suite as root (as CI does) to cover it'
const uidOf = (pid: number): number => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1])

test('as root: a root-owned app runs as nobody, an app owned by www-data as www-data, --user as told', { skip }, async t => {
  const rootOwned = await startFerry(t, fixtureApp('proxy-lab'))
  const a = await getJson<{ pid: number }>(`${rootOwned.url}/pid`)
  assert.equal(uidOf(a.pid), 65534)

  const dir = join(tmpDir(t), 'app')
  cpSync(fixtureApp('proxy-lab'), dir, { recursive: true })
  chownSync(dir, 33, 33)
  for (const f of readdirSync(dir)) chownSync(join(dir, f), 33, 33)
  const owned = await startFerry(t, dir)
  const b = await getJson<{ pid: number }>(`${owned.url}/pid`)
  assert.equal(uidOf(b.pid), 33)

  const told = await startFerry(t, fixtureApp('proxy-lab'), ['--user', 'www-data'])
  const c = await getJson<{ pid: number }>(`${told.url}/pid`)
  assert.equal(uidOf(c.pid), 33)
})

test('as root: --user root is refused before anything starts', { skip }, async () => {
  const r = await runCli(['start', fixtureApp('hello'), '--port', '0', '--address', '127.0.0.1', '--user', 'root'])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /^ferry: --user root: app processes never run as root; name an unprivileged user \[E_OPTION_INVALID\]\n$/)
})

/** An app that tells who it runs as and what environment it got. */
const WHOAMI = `require('node:http').createServer((req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ pid: process.pid, uid: process.getuid(), gid: process.getgid(), env: process.env }))
}).listen(process.env.PORT || 3000)
`
interface Who { pid: number, uid: number, gid: number, env: Record<string, string> }

/** A fresh app directory with the whoami app, owned by `owner` (root when undefined), with an optional Ferryfile.json. */
function whoamiApp (t: Parameters<typeof tmpDir>[0], owner?: number, ferryfile?: unknown): string {
  const dir = join(tmpDir(t), 'app')
  mkdirSync(dir)
  writeFileSync(join(dir, 'app.js'), WHOAMI)
  if (ferryfile !== undefined) writeFileSync(join(dir, 'Ferryfile.json'), JSON.stringify(ferryfile))
  if (owner !== undefined) for (const p of [dir, ...readdirSync(dir).map(f => join(dir, f))]) chownSync(p, owner, owner)
  return dir
}

const NOBODY = 65534
const DAEMON = 1
const start = (dir: string, args: readonly string[] = []): readonly string[] => ['start', dir, '--port', '0', '--address', '127.0.0.1', ...args]

test('as root: an app\'s own Ferryfile.json cannot pick its user or group; refused before anything starts', { skip }, async t => {
  const dir = whoamiApp(t, NOBODY, { user: 'daemon', group: 'shadow' })
  const r = await runCli(start(dir), { timeoutMs: 15_000 })
  assert.equal(r.code, 2, r.stderr)
  assert.equal(r.stderr, `ferry: ${join(dir, 'Ferryfile.json')}: "user" says who the app runs as or what it inherits, which only the ` +
    'operator decides: remove it from the file and pass --user or set it in the --config file [E_CONFIG_UNTRUSTED]\n')
})

test('as root, flying: an app named by X-Ferry-App-Root cannot pick its user by Ferryfile.json either', { skip }, async t => {
  const dir = whoamiApp(t, NOBODY, { group: 'shadow' })
  const socket = join(tmpDir(t), 'ferry.sock')
  const f = await startFly(t, socket, ['--trust-front-headers'])
  const client = new Client('http://localhost', { socketPath: socket })
  t.after(() => client.close())
  const res = await client.request({ path: '/', method: 'GET', headers: { host: 'front.test', 'X-Ferry-App-Root': dir } })
  const body = await res.body.text()
  assert.equal(res.statusCode, 500, body)
  await logged(f, /Ferryfile\.json: "group" says who the app runs as or what it inherits/)
})

test('as root: a --config file others can write may not set the user', { skip }, async t => {
  const dir = whoamiApp(t)
  const config = join(tmpDir(t), 'ferry.json')
  writeFileSync(config, JSON.stringify({ user: 'daemon', apps: [{ root: dir }] }))
  chmodSync(config, 0o666)
  const r = await runCli(['start', '--config', config, '--port', '0', '--address', '127.0.0.1'], { timeoutMs: 15_000 })
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /^ferry: .*ferry\.json: its group or others can write it; .* \[E_CONFIG_UNTRUSTED\]\n$/)
})

test('as root: a startup file that is another user\'s (a symlink) runs as the app directory\'s owner, not as that user', { skip }, async t => {
  const dir = whoamiApp(t, NOBODY)
  const theirs = join(tmpDir(t), 'theirs.js')
  writeFileSync(theirs, WHOAMI)
  chownSync(theirs, DAEMON, DAEMON)
  const entry = join(dir, 'server.js')
  symlinkSync(theirs, entry)
  const f = await startFerry(t, dir, ['--startup-file', 'server.js'])
  const who = await getJson<Who>(`${f.url}/`)
  assert.equal(who.uid, NOBODY, 'the directory\'s owner, not the owner of the file the symlink names')
  assert.equal(who.gid, NOBODY)
})

test('as root: apps running as another user get a clean environment, plus --envvar and --pass-env (node and generic)', { skip }, async t => {
  const dir = whoamiApp(t)
  const env = {
    SECRET_TOKEN: 's3cret',
    AWS_SECRET_ACCESS_KEY: 'aws-secret',
    PATH: `/root/bin:${process.env.PATH ?? '/usr/bin:/bin'}`,
    LANG: 'C.UTF-8',
    TZ: 'Europe/Paris',
    KEEP_ME: 'kept'
  }
  const args = ['--pass-env', 'KEEP_ME', '--envvar', 'FROM_FLAG=yes']
  for (const extra of [[], ['--app-start-command', 'node app.js']]) {
    const f = await startFerry(t, dir, [...args, ...extra], env)
    const who = await getJson<Who>(`${f.url}/`)
    const what = extra.length === 0 ? 'node app' : 'generic app'
    assert.equal(who.uid, NOBODY, what)
    assert.equal(who.env.SECRET_TOKEN, undefined, `${what}: root's secrets stay with root`)
    assert.equal(who.env.AWS_SECRET_ACCESS_KEY, undefined, what)
    assert.doesNotMatch(who.env.PATH ?? '', /\/root/, what)
    assert.match(who.env.PATH ?? '', /(^|:)\/usr\/bin(:|$)/, what)
    assert.deepEqual([who.env.HOME, who.env.USER, who.env.LOGNAME, who.env.SHELL], ['/nonexistent', 'nobody', 'nobody', '/usr/sbin/nologin'], what)
    assert.deepEqual([who.env.LANG, who.env.TZ, who.env.KEEP_ME, who.env.FROM_FLAG, who.env.NODE_ENV], ['C.UTF-8', 'Europe/Paris', 'kept', 'yes', 'production'], what)
    assert.equal(who.env.FERRY_APP_ROOT, dir, what)
    await f.stop()
  }
})
