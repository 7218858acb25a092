// Flying mode behind a real nginx (Debian's package): two virtual hosts reach two apps; restarting nginx leaves the
// app processes alone; `ferry reload` adds and removes apps; an app named only by an nginx header is spawned on its
// first request. Skips, saying why, when nginx is not installed (.ci/run installs it).
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'undici'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFly } from '../../helpers/ferry.js'
import { isAlive, waitFor } from '../../helpers/procs.js'
import { runCli } from '../../helpers/cli.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { freePort } from '../../helpers/http.js'

const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find(p => existsSync(p))
const asRoot = process.getuid?.() === 0

/** The configuration the docs ship (docs/nginx.md), with test paths: one server for every host, one naming an app. */
function nginxConf (dir: string, port: number, socket: string, namedRoot: string): string {
  const temp = (name: string): string => `${name}_temp_path ${join(dir, 'nginx-tmp', name)};`
  return `
${asRoot ? 'user www-data www-data;' : ''}
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} notice;
events { worker_connections 128; }
http {
  access_log off;
  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}
  upstream ferry {
    server unix:${socket};
    keepalive 16;
  }
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      '';
  }
  server {
    listen 127.0.0.1:${port} default_server;
    server_name _;
    location / {
      proxy_pass http://ferry;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header Forwarded "";
      proxy_set_header X-Ferry-App-Root "";
      proxy_set_header X-Ferry-App-Env "";
      proxy_set_header X-Ferry-App-Type "";
    }
  }
  server {
    listen 127.0.0.1:${port};
    server_name named.test;
    location / {
      proxy_pass http://ferry;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header Forwarded "";
      proxy_set_header X-Ferry-App-Root ${namedRoot};
      proxy_set_header X-Ferry-App-Env production;
      proxy_set_header X-Ferry-App-Type "";
    }
  }
}
`
}

async function startNginx (t: TestContext, conf: string, dir: string, port: number): Promise<ChildProcess> {
  const proc = spawn(NGINX!, ['-c', conf, '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString() })
  t.after(() => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL') })
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${err}${readFileSync(join(dir, 'nginx-error.log'), 'utf8')}`)
    try { await request(`http://127.0.0.1:${port}/`, { headers: { host: 'probe.test' } }).then(r => r.body.dump()); return true } catch { return false }
  }, 10_000, 'nginx to listen')
  return proc
}

async function stopNginx (proc: ChildProcess): Promise<void> {
  proc.kill('SIGQUIT') // graceful: finish requests, then exit
  await once(proc, 'exit')
}

test('nginx in front of ferry fly: virtual hosts, nginx restarts, reloads, apps named by nginx', { skip: NGINX === undefined ? 'nginx is not installed (apt-get install nginx; .ci/run does)' : false }, async t => {
  const dir = tmpDir(t)
  // nginx's workers run as www-data when the master is root: they must reach the socket's directory and group.
  chmodSync(dir, 0o755)
  mkdirSync(join(dir, 'nginx-tmp'))
  for (const name of ['a', 'b', 'c', 'named']) cpSync(fixtureApp('named'), join(dir, name), { recursive: true })
  const config = join(dir, 'ferry.json')
  const write = (apps: string[]): void => writeFileSync(config, JSON.stringify({
    apps: apps.map(n => ({ root: n, server_names: [`${n}.test`], envvar: [`APP_NAME=${n}`] }))
  }))
  write(['a', 'b'])
  const socket = join(dir, 'ferry.sock')
  const registry = tmpDir(t)
  await startFly(t, socket, ['--config', config, '--trust-front-headers', '--trust-proxy', 'unix', '--instance-registry-dir', registry,
    ...(asRoot ? ['--socket-group', 'www-data'] : [])])
  const port = await freePort()
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, nginxConf(dir, port, socket, join(dir, 'named')))
  let nginx = await startNginx(t, conf, dir, port)
  const via = async (host: string, headers: Record<string, string> = {}): Promise<{ name: string, pid: number, status: number }> => {
    const res = await request(`http://127.0.0.1:${port}/`, { headers: { host, ...headers } })
    const text = await res.body.text()
    return res.statusCode === 200 ? { ...(JSON.parse(text) as { name: string, pid: number }), status: 200 } : { name: '', pid: 0, status: res.statusCode }
  }

  const a = await via('a.test')
  const b = await via('b.test')
  assert.equal(a.name, 'a')
  assert.equal(b.name, 'b')
  assert.equal((await via('nowhere.test')).status, 404)
  // The default block clears a client's X-Ferry-* headers: it cannot name another app root (or get a 400 for trying).
  const spoofed = await via('a.test', { 'x-ferry-app-root': join(dir, 'b'), 'x-ferry-app-env': 'development' })
  assert.equal(spoofed.name, 'a')

  await stopNginx(nginx)
  nginx = await startNginx(t, conf, dir, port)
  assert.equal((await via('a.test')).pid, a.pid, 'restarting nginx restarted no app')
  assert.equal((await via('b.test')).pid, b.pid)

  write(['a', 'c'])
  const reloaded = await runCli(['reload', '--instance-registry-dir', registry])
  assert.equal(reloaded.code, 0, reloaded.stderr)
  assert.match(reloaded.stdout, /Added: .*\/c\nRemoved: .*\/b\n/)
  await waitFor(() => !isAlive(b.pid), 10_000, 'the removed app\'s process to stop')
  assert.equal((await via('c.test')).name, 'c')
  assert.equal((await via('b.test')).status, 404)
  assert.equal((await via('a.test')).pid, a.pid, 'the unchanged app kept its process')

  const call = adminClient(t, instanceDirIn(registry))
  const groups = async (): Promise<string[]> => (JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ name: string }> } }).pool.groups.map(g => g.name)
  assert.equal((await groups()).some(n => n.endsWith('/named')), false)
  const named = await via('named.test')
  assert.equal(named.status, 200)
  assert.equal(named.name, null, 'spawned from the header alone (no configuration, so no APP_NAME)')
  assert.equal((await groups()).some(n => n.endsWith('/named')), true)
  await stopNginx(nginx)
})
