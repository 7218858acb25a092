// Every command that addresses an instance picks it the same way: NAME (argument or --name), --port, --socket, or
// the only one running; an unknown name is the same error and exit code everywhere; `ferry stop --port` finds a
// foreground instance through the registry; `ferry status` sends only meaningful query values.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runCli } from '../helpers/cli.js'
import { startFerry } from '../helpers/ferry.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'
import { adminClient } from '../helpers/instance.js'
import { isAlive, waitFor } from '../helpers/procs.js'

/** The name the start banner showed. */
const nameOf = (output: string): string => /Instance:\s+(\S+)/.exec(output)![1]!

test('instance selection: --port picks among several, stop --port stops a foreground instance, unknown names fail alike', async t => {
  const registry = tmpDir(t)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  const a = await startFerry(t, fixtureApp('hello'), [], env)
  const b = await startFerry(t, fixtureApp('hello'), [], env)
  const portB = new URL(b.url).port
  const nameB = nameOf(b.output())

  // Two run: --port names one, as NAME or --name would.
  const byPort = await runCli(['status', '--port', portB], { env })
  assert.equal(byPort.code, 0, byPort.stderr)
  assert.match(byPort.stdout, new RegExp(`Instance: ${nameB}`))
  const byName = await runCli(['status', '--name', nameB.slice(0, 5)], { env })
  assert.equal(byName.code, 0, byName.stderr)
  assert.match(byName.stdout, new RegExp(`Instance: ${nameB}`))
  const twoNames = await runCli(['status', nameOf(a.output()), '--name', nameB], { env })
  assert.equal(twoNames.code, 2)
  const noSuchPort = await runCli(['reload', '--port', '1'], { env })
  assert.equal(noSuchPort.code, 1)
  assert.match(noSuchPort.stderr, /^ferry: no running Ferry instance listens on port 1: running instances are .*\[E_INSTANCE_NOT_FOUND\]\n$/)

  // The same unknown name: the same line and exit code from every command.
  const unknown = [['status', 'zzzzzzzz'], ['reload', 'zzzzzzzz'], ['reopen-logs', 'zzzzzzzz'], ['stop', 'zzzzzzzz'],
    ['restart-app', '--name', 'zzzzzzzz'], ['detach-process', '4242', '--name', 'zzzzzzzz'], ['stop', '--name', 'zzzzzzzz']]
  for (const argv of unknown) {
    const r = await runCli(argv, { env })
    assert.equal(r.code, 1, `${argv.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, /^ferry: no running Ferry instance is named 'zzzzzzzz': running instances are [a-z0-9]{8}, [a-z0-9]{8} \[E_INSTANCE_NOT_FOUND\]\n$/, argv.join(' '))
  }

  // --instance, the old spelling, still works, with a deprecation warning first.
  const old = await runCli(['restart-app', '--instance', 'zzzzzzzz'], { env })
  assert.equal(old.code, 1)
  assert.match(old.stderr, /"--instance" flag has been deprecated[^]*\nferry: no running Ferry instance is named 'zzzzzzzz'/)

  // A foreground instance has no pid file, but the registry knows its port.
  const stopped = await runCli(['stop', '--port', portB], { env })
  assert.equal(stopped.code, 0, stopped.stderr)
  assert.match(stopped.stdout, new RegExp(`^Stopped Ferry \\(PID ${b.proc.pid}\\)`))
  await waitFor(() => !isAlive(b.proc.pid!), 10_000, 'the foreground instance to exit')
  assert.ok(isAlive(a.proc.pid!), 'the other instance runs on')
})

test('ferry status asks for verbose=false, not verbose=undefined, which the API refuses', async t => {
  const registry = tmpDir(t)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  const f = await startFerry(t, fixtureApp('hello'), [], env)
  const call = adminClient(t, `${registry}/ferry.${nameOf(f.output())}`)
  assert.equal((await call('/pool.txt?verbose=undefined')).status, 400)
  assert.equal((await call('/pool.xml?verbose=maybe')).status, 400)
  assert.equal((await call('/pool.txt?verbose=false&colorize=0')).status, 200)
  for (const argv of [['status'], ['status', '--show', 'xml'], ['status', '-v']]) {
    const r = await runCli(argv, { env })
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`)
  }
})
