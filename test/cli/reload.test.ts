// `ferry reload` as a subprocess: what it prints, and its exit codes when the file is refused or nothing runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { runFerry } from '../helpers/ferry.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'

test('ferry reload: the summary, --json, a refused file (exit 2, one line), no instance (exit 1)', async t => {
  const dir = tmpDir(t)
  const registry = tmpDir(t)
  cpSync(fixtureApp('named'), join(dir, 'a'), { recursive: true })
  cpSync(fixtureApp('named'), join(dir, 'b'), { recursive: true })
  const config = join(dir, 'ferry.json')
  writeFileSync(config, JSON.stringify({ apps: [{ root: 'a' }] }))
  await runFerry(t, ['start', '--config', config, '--port', '0', '--address', '127.0.0.1', '--instance-registry-dir', registry])
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }

  writeFileSync(config, JSON.stringify({ apps: [{ root: 'a' }, { root: 'b', base_uri: '/b' }] }))
  const ok = await runCli(['reload'], { env })
  assert.equal(ok.code, 0, ok.stderr)
  assert.match(ok.stdout, /^Reloaded instance \S+\.\nAdded: .*\/b\nUnchanged: .*\/a\n$/)
  const json = await runCli(['reload', '--json'], { env })
  assert.equal(json.code, 0, json.stderr)
  assert.deepEqual(JSON.parse(json.stdout).added, [])
  assert.equal(JSON.parse(json.stdout).unchanged.length, 2)

  writeFileSync(config, JSON.stringify({ 'max-pool-size': 3, apps: [{ root: 'a' }, { root: 'b', base_uri: '/b' }] }))
  const later = await runCli(['reload'], { env })
  assert.equal(later.code, 0, later.stderr)
  assert.match(later.stdout, /\nNot applied until the instance restarts: --max-pool-size\n$/)

  writeFileSync(config, '{ "apps": [ { "root": "a", "max-pool-size": 2 } ] }')
  const refused = await runCli(['reload'], { env })
  assert.equal(refused.code, 2)
  assert.match(refused.stderr, /^ferry: not reloaded, the running configuration stays: .*"max-pool-size" applies to the whole instance.*\[E_CONFIG_INVALID\]\n$/)

  const none = await runCli(['reload'], { env: { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) } })
  assert.equal(none.code, 1)
})
