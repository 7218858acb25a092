// `ferry start --bypass` refuses what cannot work in bypass mode (the app's processes accept clients themselves, so
// nothing the core would do between client and app can happen), with one line and exit code 2, before anything runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'

async function assertRefused (args: readonly string[], pattern: RegExp): Promise<void> {
  const r = await runCli(['start', '--port', '0', '--address', '127.0.0.1', ...args])
  assert.equal(r.code, 2, r.stderr + r.stdout)
  const lines = r.stderr.trim().split('\n')
  assert.equal(lines.length, 1, r.stderr)
  assert.match(lines[0]!, /^ferry: --bypass \(/)
  assert.match(lines[0]!, pattern)
  assert.match(lines[0]!, /\[E_OPTION_INVALID\]$/)
}

test('--bypass refuses sticky sessions, a generic app, a Unix socket, --concurrency and a second app', async t => {
  const app = fixtureApp('bypass-lab')
  await assertRefused([app, '--bypass', '--sticky-sessions'], /cannot honour --sticky-sessions/)
  await assertRefused([app, '--bypass', '--app-type', 'generic', '--app-start-command', 'true'], /Node apps only/)
  // Detected, not named: a WSGI app.
  await assertRefused([fixtureApp('wsgi-lab'), '--bypass'], /Node apps only.*detected as a python app/)
  await assertRefused([app, '--bypass', '--socket', join(tmpDir(t), 's.sock')], /needs a TCP port/)
  await assertRefused([app, '--bypass', '--concurrency', '4'], /cannot honour --concurrency/)
  // Per app in a config file: the instance's port cannot be handed to one app's processes and serve another too.
  const config = join(tmpDir(t), 'ferry.json')
  writeFileSync(config, JSON.stringify({ apps: [{ root: app, bypass: true }, { root: fixtureApp('hello'), server_names: ['other.test'] }] }))
  await assertRefused(['--config', config], /must serve this one app/)
  // Flying mode serves the apps a front server names per request, on a Unix socket.
  const alone = join(tmpDir(t), 'alone.json')
  writeFileSync(alone, JSON.stringify({ apps: [{ root: app, bypass: true }] }))
  const fly = await runCli(['fly', '--socket-file', join(tmpDir(t), 'f.sock'), '--config', alone])
  assert.equal(fly.code, 2, fly.stderr)
  assert.match(fly.stderr.trim(), /^ferry: --bypass \(.*\[E_OPTION_INVALID\]$/)
})
