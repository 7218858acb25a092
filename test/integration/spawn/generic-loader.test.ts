import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { createGenericLoader } from '../../../src/core/spawn/generic-loader.js'
import { detectApp } from '../../../src/core/spawn/detect.js'
import type { AppSpec } from '../../../src/core/spawn/loader.js'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { loaderContract, spawnFor, spawnRejection } from '../../contracts/loader.js'
import { httpGet } from '../../contracts/helpers.js'

const NODE = JSON.stringify(process.execPath)

function genericApp (t: TestContext, name: string, command: string, envvars: Record<string, string> = {}): AppSpec {
  return detectApp(fixtureApp(name), {
    appStartCommand: command, environment: 'staging', envvars, startTimeoutSeconds: 10, socketDir: tmpDir(t)
  })
}

loaderContract('generic', createGenericLoader, t => genericApp(t, 'generic', `${NODE} server.js`), t => ({
  neverReady: genericApp(t, 'never-listens', `${NODE} app.js`),
  crashing: genericApp(t, 'crashing', `${NODE} app.js`),
  ignoresSigterm: genericApp(t, 'ignores-sigterm', `${NODE} app.js`)
}))

describe('generic loader', () => {
  const loader = createGenericLoader()

  test('serves on a loopback port given to the app as $PORT', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, genericApp(t, 'generic', `${NODE} server.js`, { FERRY_TEST_GREETING: 'ahoy' }))
    assert.equal(proc.target.kind, 'tcp')
    const port = proc.target.kind === 'tcp' ? proc.target.port : 0
    assert.equal(proc.target.kind === 'tcp' && proc.target.host, '127.0.0.1')
    const env = JSON.parse((await httpGet(proc.target, '/env')).body) as Record<string, string>
    assert.deepEqual(env, { PORT: String(port), NODE_ENV: 'staging', FERRY_TEST_GREETING: 'ahoy' })
    assert.equal(proc.concurrency, 0)
  })

  test('runs the command through the shell, which then gives way to the app (exec)', async (t: TestContext) => {
    const app = genericApp(t, 'generic', `${NODE} server.js "$PORT"`)
    const proc = await spawnFor(t, loader, app)
    // Same pid: the shell exec'd the app, so stop() signals the app itself, not a shell in front of it.
    assert.equal((await httpGet(proc.target, '/pid')).body, String(proc.pid))
    assert.equal(proc.command, app.startCommand)
  })

  test('reports a command the shell cannot find as an exit during start-up', async (t: TestContext) => {
    const err = await spawnRejection(loader.spawn(genericApp(t, 'generic', 'ferry-no-such-command-xyz')), 'E_SPAWN_EXITED')
    // 127: not found; 126 when the app runs as another user (Ferry is root) and a PATH directory is closed to it.
    assert.ok([126, 127].includes(err.failure.exitCode ?? 0), String(err.failure.exitCode))
    assert.ok(err.failure.output.some(line => line.includes('ferry-no-such-command-xyz')), err.failure.output.join('\n'))
  })
})
