import assert from 'node:assert/strict'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { createLoaders, detectApp, type DetectOptions } from '../../../src/core/spawn/detect.js'
import { isFerryError } from '../../../src/core/errors.js'
import { tmpDir } from '../../helpers/tmp.js'

const BASE: DetectOptions = { environment: 'production', envvars: {}, startTimeoutSeconds: 90, socketDir: '/tmp/fy-sock' }

/** A temporary app directory holding the given files (path → content). */
function appDir (t: TestContext, files: Record<string, string>): string {
  const root = tmpDir(t)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

function detectError (fn: () => unknown, code: string): Error {
  let caught: unknown
  assert.throws(fn, err => { caught = err; return true })
  assert.ok(isFerryError(caught), String(caught))
  assert.equal(caught.code, code, caught.message)
  return caught
}

describe('detectApp: the app directory', () => {
  test('is E_APP_NOT_FOUND when it does not exist, naming the path', (t: TestContext) => {
    const missing = join(tmpDir(t), 'nope')
    const err = detectError(() => detectApp(missing, BASE), 'E_APP_NOT_FOUND')
    assert.match(err.message, new RegExp(`${missing}.*pass an existing app directory`))
  })

  test('is E_APP_NOT_FOUND when it is a file', (t: TestContext) => {
    const root = appDir(t, { 'app.js': '' })
    detectError(() => detectApp(join(root, 'app.js'), BASE), 'E_APP_NOT_FOUND')
  })

  test('is the real path, with symlinks resolved', (t: TestContext) => {
    const root = appDir(t, { 'app.js': '' })
    const link = join(tmpDir(t), 'link')
    symlinkSync(root, link)
    assert.equal(detectApp(link, BASE).root, root)
  })
})

describe('detectApp: Node apps', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['app.js before server.js and index.js', { 'app.js': '', 'server.js': '', 'index.js': '' }, 'app.js'],
    ['server.js before index.js', { 'server.js': '', 'index.js': '' }, 'server.js'],
    ['index.js', { 'index.js': '' }, 'index.js'],
    ['package.json "main"', { 'package.json': '{"main":"lib/main.js"}', 'lib/main.js': '' }, 'lib/main.js'],
    ['package.json "main" without its .js', { 'package.json': '{"main":"lib/main"}', 'lib/main.js': '' }, 'lib/main.js'],
    ['a "node <file>" start script', { 'package.json': '{"scripts":{"start":"node bin/www"}}', 'bin/www': '' }, 'bin/www'],
    ['the start script when "main" is missing', { 'package.json': '{"main":"gone.js","scripts":{"start":"node s.js"}}', 's.js': '' }, 's.js'],
    ['index.js before package.json', { 'index.js': '', 'package.json': '{"main":"lib/main.js"}', 'lib/main.js': '' }, 'index.js']
  ]
  for (const [name, files, expected] of cases) {
    test(`finds ${name}`, (t: TestContext) => {
      const root = appDir(t, files)
      const app = detectApp(root, BASE)
      assert.equal(app.type, 'node')
      assert.equal(app.startupFile, join(root, expected))
    })
  }

  test('takes --startup-file relative to the app root', (t: TestContext) => {
    const root = appDir(t, { 'app.js': '', 'src/main.mjs': '' })
    assert.equal(detectApp(root, { ...BASE, startupFile: 'src/main.mjs' }).startupFile, join(root, 'src/main.mjs'))
  })

  test('is E_STARTUP_FILE_NOT_FOUND when --startup-file does not exist', (t: TestContext) => {
    const root = appDir(t, { 'app.js': '' })
    const err = detectError(() => detectApp(root, { ...BASE, startupFile: 'nope.js' }), 'E_STARTUP_FILE_NOT_FOUND')
    assert.match(err.message, /nope\.js/)
  })

  test('is E_STARTUP_FILE_NOT_FOUND, saying what it looked for, when nothing can be started', (t: TestContext) => {
    const root = appDir(t, { 'package.json': '{"scripts":{"start":"nodemon app.js"}}', 'README': '' })
    const err = detectError(() => detectApp(root, BASE), 'E_STARTUP_FILE_NOT_FOUND')
    assert.match(err.message, /app\.js, server\.js, index\.js, package\.json "main"/)
    assert.match(err.message, /--startup-file/)
    assert.match(err.message, /--app-start-command/)
  })

  test('ignores a package.json that is not valid JSON', (t: TestContext) => {
    const root = appDir(t, { 'package.json': '{ nope' })
    detectError(() => detectApp(root, BASE), 'E_STARTUP_FILE_NOT_FOUND')
  })

  test('carries the environment, --envvar pairs, start timeout and socket dir', (t: TestContext) => {
    const root = appDir(t, { 'app.js': '' })
    const { identity, ...app } = detectApp(root, { ...BASE, environment: 'staging', envvars: { A: '1' }, startTimeoutSeconds: 3 })
    // Only root switches users; then a root-owned app runs as nobody.
    assert.equal(identity?.user, process.geteuid?.() === 0 ? 'nobody' : undefined)
    assert.deepEqual(app, {
      root, type: 'node', startupFile: join(root, 'app.js'), environment: 'staging', env: { A: '1' }, startTimeoutMs: 3000, socketDir: '/tmp/fy-sock'
    })
    assert.ok(Object.isFrozen(detectApp(root, BASE)))
  })
})

describe('detectApp: generic apps', () => {
  test('a start command makes a generic app, even with a Node entry file present', (t: TestContext) => {
    const root = appDir(t, { 'app.js': '' })
    const app = detectApp(root, { ...BASE, appStartCommand: 'python3 -m http.server $PORT' })
    assert.equal(app.type, 'generic')
    assert.equal(app.startCommand, 'python3 -m http.server $PORT')
    assert.equal(app.startupFile, undefined)
  })

  test('a start command wins over --app-type node', (t: TestContext) => {
    const root = appDir(t, {})
    assert.equal(detectApp(root, { ...BASE, appType: 'node', appStartCommand: 'node app.js' }).type, 'generic')
  })

  test('--app-type generic without a start command is E_STARTUP_FILE_NOT_FOUND', (t: TestContext) => {
    const root = appDir(t, { 'app.js': '' })
    const err = detectError(() => detectApp(root, { ...BASE, appType: 'generic' }), 'E_STARTUP_FILE_NOT_FOUND')
    assert.match(err.message, /--app-start-command/)
  })
})

test('createLoaders gives one loader per app type', () => {
  const loaders = createLoaders()
  assert.equal(loaders.node.type, 'node')
  assert.equal(loaders.generic.type, 'generic')
})

describe('detectApp: Python and Ruby apps', () => {
  test('passenger_wsgi.py makes a Python app run by python3, config.ru a Ruby app run by ruby', (t: TestContext) => {
    const py = appDir(t, { 'passenger_wsgi.py': '' })
    assert.deepEqual([detectApp(py, BASE).type, detectApp(py, BASE).startupFile, detectApp(py, BASE).interpreter], ['python', join(py, 'passenger_wsgi.py'), 'python3'])
    const rb = appDir(t, { 'config.ru': '' })
    assert.deepEqual([detectApp(rb, BASE).type, detectApp(rb, BASE).startupFile, detectApp(rb, BASE).interpreter], ['ruby', join(rb, 'config.ru'), 'ruby'])
  })

  test('a directory with more than one kind of app is E_APP_TYPE_AMBIGUOUS, naming what it found', (t: TestContext) => {
    const root = appDir(t, { 'app.js': '', 'passenger_wsgi.py': '', 'config.ru': '' })
    const err = detectError(() => detectApp(root, BASE), 'E_APP_TYPE_AMBIGUOUS')
    assert.equal(err.message, `App at ${root} holds more than one kind of app: app.js (Node), passenger_wsgi.py (Python), config.ru (Ruby); pass --app-type node|python|ruby`)
    assert.equal(detectApp(root, { ...BASE, appType: 'ruby' }).type, 'ruby')
  })

  test('--app-type python finds passenger_wsgi.py, wsgi.py or app.py; --startup-file picks another', (t: TestContext) => {
    const root = appDir(t, { 'app.py': '', 'wsgi.py': '', 'other.py': '' })
    assert.equal(detectApp(root, { ...BASE, appType: 'python' }).startupFile, join(root, 'wsgi.py'))
    assert.equal(detectApp(root, { ...BASE, startupFile: 'other.py' }).type, 'python', 'a .py startup file says python')
    const none = appDir(t, { 'main.py': '' })
    const err = detectError(() => detectApp(none, { ...BASE, appType: 'python' }), 'E_STARTUP_FILE_NOT_FOUND')
    assert.match(err.message, /passenger_wsgi\.py, wsgi\.py, app\.py.*--startup-file/)
  })

  test('a venv or .venv in the app root supplies the interpreter, unless --python names one', (t: TestContext) => {
    const root = appDir(t, { 'passenger_wsgi.py': '', '.venv/bin/python': '' })
    const app = detectApp(root, BASE)
    assert.equal(app.interpreter, join(root, '.venv', 'bin', 'python'))
    assert.equal(app.virtualEnv, join(root, '.venv'))
    const given = detectApp(root, { ...BASE, python: '/opt/py/bin/python3' })
    assert.deepEqual([given.interpreter, given.virtualEnv], ['/opt/py/bin/python3', undefined])
  })

  test('a Gemfile is passed on (bundle exec semantics); --ruby names the interpreter', (t: TestContext) => {
    const root = appDir(t, { 'config.ru': '', Gemfile: '' })
    const app = detectApp(root, { ...BASE, ruby: '/opt/ruby/bin/ruby' })
    assert.deepEqual([app.gemfile, app.interpreter], [join(root, 'Gemfile'), '/opt/ruby/bin/ruby'])
  })

  test('the empty directory message names every marker', (t: TestContext) => {
    const err = detectError(() => detectApp(appDir(t, { README: '' }), BASE), 'E_STARTUP_FILE_NOT_FOUND')
    assert.match(err.message, /passenger_wsgi\.py and config\.ru/)
  })
})
