import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { once } from 'node:events'
import { pathToFileURL } from 'node:url'
import { describe, test, type TestContext } from 'node:test'
import { createNodeLoader } from '../../../src/core/spawn/node-loader.js'
import { detectApp } from '../../../src/core/spawn/detect.js'
import type { AppSpec } from '../../../src/core/spawn/loader.js'
import { fixtureApp, repoRoot, tmpDir } from '../../helpers/tmp.js'
import { loaderContract, spawnFor } from '../../contracts/loader.js'
import { eventually, httpGet, isAlive } from '../../contracts/helpers.js'

function nodeApp (t: TestContext, name: string, envvars: Record<string, string> = {}): AppSpec {
  return detectApp(fixtureApp(name), { environment: 'staging', envvars, startTimeoutSeconds: 10, socketDir: tmpDir(t) })
}

loaderContract('node', createNodeLoader, t => nodeApp(t, 'hello'), t => ({
  neverReady: nodeApp(t, 'never-listens'),
  crashing: nodeApp(t, 'crashing'),
  ignoresSigterm: nodeApp(t, 'ignores-sigterm')
}))

describe('node loader', () => {
  const loader = createNodeLoader()

  test('moves an unmodified app\'s listen(3000) onto a Unix socket in the socket dir', async (t: TestContext) => {
    const app = nodeApp(t, 'hello')
    const proc = await spawnFor(t, loader, app)
    assert.equal(proc.target.kind, 'unix')
    const socketPath = proc.target.kind === 'unix' ? proc.target.socketPath : ''
    // In the socket dir itself, or (the app running as another user because Ferry is root) in that user's subdirectory.
    assert.match(socketPath.slice(app.socketDir.length), /^(\/u\d+)?\/n\.[a-z0-9]+\.sock$/, socketPath)
    assert.ok(socketPath.startsWith(`${app.socketDir}/`))
    // The server itself says where it listens: the socket, not port 3000.
    assert.equal((await httpGet(proc.target, '/address')).body, JSON.stringify(socketPath))
    assert.equal(proc.concurrency, 0)
  })

  test('removes the socket file once the process has exited', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, nodeApp(t, 'hello'))
    const socketPath = proc.target.kind === 'unix' ? proc.target.socketPath : ''
    assert.ok(existsSync(socketPath))
    await proc.stop(500)
    assert.ok(!existsSync(socketPath))
  })

  test('runs an ES module app (top-level await)', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, nodeApp(t, 'hello-esm'))
    assert.equal((await httpGet(proc.target)).body, `hello from ${proc.pid}\n`)
  })

  test('gives only the first listen() the socket; a second server listens where it asked', async (t: TestContext) => {
    const proc = await spawnFor(t, loader, nodeApp(t, 'two-servers'))
    assert.equal((await httpGet(proc.target)).body, 'first\n')
    const port = Number((await httpGet(proc.target, '/second-port')).body)
    assert.ok(port > 0)
    assert.equal((await httpGet({ kind: 'tcp', host: '127.0.0.1', port })).body, 'second\n')
  })

  test('sets the process title to "Ferry NodeApp: <root>"', async (t: TestContext) => {
    const app = nodeApp(t, 'hello')
    const proc = await spawnFor(t, loader, app)
    const args = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').replace(/\0+$/, '')
    assert.equal(args, `Ferry NodeApp: ${app.root}`)
  })

  test('gives the app NODE_ENV, FERRY_APP_ENV, FERRY_APP_ROOT, IN_FERRY and --envvar pairs, not the socket path', async (t: TestContext) => {
    const app = nodeApp(t, 'hello', { FERRY_TEST_GREETING: 'ahoy', NODE_ENV: 'overridden' })
    const proc = await spawnFor(t, loader, app)
    const env = JSON.parse((await httpGet(proc.target, '/env')).body) as Record<string, string>
    assert.equal(env.NODE_ENV, 'overridden')
    assert.equal(env.FERRY_APP_ENV, 'staging')
    assert.equal(env.FERRY_APP_ROOT, app.root)
    assert.equal(env.IN_FERRY, '1')
    assert.equal(env.FERRY_TEST_GREETING, 'ahoy')
    assert.equal(env.FERRY_SOCKET_PATH, undefined)
  })

  test('the app exits by itself when the core that started it dies', async (t: TestContext) => {
    const core = startFakeCore(nodeApp(t, 'hello'))
    t.after(() => { core.kill('SIGKILL') })
    const [line] = await once(core.stdout, 'data') as [Buffer]
    const appPid = Number(line.toString())
    t.after(() => { if (isAlive(appPid)) process.kill(appPid, 'SIGKILL') })
    assert.ok(isAlive(appPid))
    core.kill('SIGKILL')
    assert.ok(await eventually(() => !isAlive(appPid), 3000), 'the orphaned app exited')
  })
})

/** A stand-in for the core: a process that spawns the app with the node loader, prints its pid, and waits. */
function startFakeCore (app: AppSpec): ReturnType<typeof spawn> & { stdout: NodeJS.ReadableStream } {
  const loaderUrl = pathToFileURL(`${repoRoot}/dist/src/core/spawn/node-loader.js`).href
  const script = `const { createNodeLoader } = await import(${JSON.stringify(loaderUrl)})
const proc = await createNodeLoader().spawn(${JSON.stringify(app)})
process.stdout.write(String(proc.pid))
setInterval(() => {}, 1000)`
  const core = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  return core as ReturnType<typeof spawn> & { stdout: NodeJS.ReadableStream }
}
