// The --config file and Ferryfile.json: what they may say, what wins, and the one-line errors for what they may not.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, chownSync, lchownSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadServeConfig } from '../../../src/core/config/apps.js'
import { tmpDir } from '../../helpers/tmp.js'

function layout (t: Parameters<typeof tmpDir>[0], config: unknown, ferryfiles: Record<string, unknown> = {}): { dir: string, file: string } {
  const dir = tmpDir(t)
  for (const name of ['a', 'b', 'c']) mkdirSync(join(dir, name))
  for (const [name, content] of Object.entries(ferryfiles)) writeFileSync(join(dir, name, 'Ferryfile.json'), JSON.stringify(content))
  const file = join(dir, 'ferry.json')
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config))
  return { dir, file }
}

const load = (file: string, flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): ReturnType<typeof loadServeConfig> =>
  loadServeConfig({ flags, env, configFile: file })

test('apps: roots relative to the file, server names lower-cased, base URIs without trailing slash', t => {
  const { dir, file } = layout(t, {
    'max-pool-size': 9,
    apps: [
      { root: 'a', server_names: ['A.Example.com'] },
      { root: './b', server_names: ['b.example.com'], base_uri: '/blog/' }
    ]
  })
  const c = load(file)
  assert.equal(c.instance.options.maxPoolSize, 9)
  assert.equal(c.instance.sources['max-pool-size'], 'file')
  assert.deepEqual(c.apps.map(a => a.root), [realpathSync(join(dir, 'a')), realpathSync(join(dir, 'b'))])
  assert.deepEqual(c.apps[0]!.serverNames, ['a.example.com'])
  assert.equal(c.apps[0]!.baseUri, '/')
  assert.equal(c.apps[1]!.baseUri, '/blog')
})

test('per app: defaults < top level < environment < Ferryfile.json < app entry < flag', t => {
  const { file } = layout(t, {
    'min-instances': 2,
    'max-requests': 10,
    apps: [{ root: 'a', 'max-requests': 30, environment: 'staging' }, { root: 'b', base_uri: '/b' }, { root: 'c', base_uri: '/c' }]
  }, { a: { 'max-requests': 20, concurrency: 4 }, b: { 'max-requests': 20 } })
  const c = load(file, { environment: 'development' })
  const [a, b, cc] = c.apps
  assert.equal(a!.options.maxRequests, 30)
  assert.equal(a!.sources['max-requests'], 'app')
  assert.equal(a!.options.concurrency, 4)
  assert.equal(a!.sources.concurrency, 'ferryfile')
  assert.equal(a!.options.environment, 'development', 'a flag wins over the app entry')
  assert.equal(b!.options.maxRequests, 20)
  assert.equal(cc!.options.maxRequests, 10)
  assert.equal(cc!.sources['max-requests'], 'file')
  assert.equal(cc!.options.minInstances, 2)
  assert.equal(cc!.options.startTimeout, 90)
  assert.equal(cc!.sources['start-timeout'], 'default')
})

test('without apps in the file, the app directory is the one app; with them, naming one too is an error', t => {
  const { dir, file } = layout(t, { 'max-pool-size': 3 })
  const c = loadServeConfig({ flags: {}, env: {}, configFile: file, appDir: join(dir, 'a') })
  assert.equal(c.apps.length, 1)
  const both = layout(t, { apps: [{ root: 'a' }] })
  assert.throws(() => loadServeConfig({ flags: {}, env: {}, configFile: both.file, appDir: join(both.dir, 'b') }), { code: 'E_USAGE' })
})

const refusals: Array<[string, unknown, RegExp]> = [
  ['not JSON', '{ nope', /not valid JSON/],
  ['not an object', '[1]', /must hold a JSON object/],
  ['unknown top-level option, with a hint', { maxPoolSize: 3 }, /unknown option "maxPoolSize" \(did you mean "max-pool-size"\?\)/],
  ['apps not a list', { apps: {} }, /"apps" must be a list/],
  ['app without root', { apps: [{ environment: 'x' }] }, /apps\[0\] needs "root"/],
  ['instance option in an app', { apps: [{ root: 'a', port: 80 }] }, /apps\[0\]: "port" applies to the whole instance/],
  ['unknown app key', { apps: [{ root: 'a', servers: ['x'] }] }, /apps\[0\]: unknown key "servers"/],
  ['bad server name', { apps: [{ root: 'a', server_names: ['http://x'] }] }, /"server_names" must be a list of host names/],
  ['bad base URI', { apps: [{ root: 'a', base_uri: 'blog' }] }, /"base_uri" must be a path/],
  ['cookie attribute characters in base URI', { apps: [{ root: 'a', base_uri: '/x;Domain=evil' }] }, /"base_uri" must be a path/],
  ['dot segments in base URI', { apps: [{ root: 'a', base_uri: '/x/../y' }] }, /"base_uri" must be a path/],
  ['missing app directory', { apps: [{ root: 'nope' }] }, /app directory .*nope does not exist/],
  ['same root twice', { apps: [{ root: 'a' }, { root: './a' }] }, /listed twice/],
  ['same host and base twice', { apps: [{ root: 'a', server_names: ['x.test'] }, { root: 'b', server_names: ['x.test'] }] }, /two apps answer host x\.test at \//],
  ['bad value, named with its app', { apps: [{ root: 'a', 'max-requests': -1 }] }, /apps\[0\] of .*: --max-requests: expected a number of at least 0/]
]

for (const [what, config, message] of refusals) {
  test(`refused: ${what}`, t => {
    const { file } = layout(t, config)
    assert.throws(() => load(file), (err: Error & { code?: string }) => {
      assert.match(err.message, message)
      assert.ok(['E_CONFIG_INVALID', 'E_APP_NOT_FOUND', 'E_OPTION_INVALID'].includes(err.code ?? ''), err.code)
      assert.doesNotMatch(err.message, /\n/, 'one line')
      return true
    })
  })
}

test('Ferryfile.json: per-app options only, and "root" is not its to say', t => {
  const { file } = layout(t, { apps: [{ root: 'a' }] }, { a: { 'max-pool-size': 3 } })
  assert.throws(() => load(file), /Ferryfile\.json: the file: "max-pool-size" applies to the whole instance/)
  const second = layout(t, { apps: [{ root: 'a' }] }, { a: { root: '/elsewhere' } })
  assert.throws(() => load(second.file), /"root" is the directory the file is in/)
})

test('a missing --config file is one plain line', () => {
  assert.throws(() => loadServeConfig({ flags: {}, env: {}, configFile: '/nonexistent/ferry.json' }),
    { code: 'E_CONFIG_INVALID', message: 'cannot read config file /nonexistent/ferry.json: it does not exist' })
})

// Who an app runs as, and what it inherits, is the operator's to say: never the app's own Ferryfile.json.
for (const [key, value] of [['user', 'daemon'], ['group', 'shadow'], ['pass-env', ['SECRET_TOKEN']]] as const) {
  test(`Ferryfile.json may not set "${key}": a one-line E_CONFIG_UNTRUSTED naming the file and the way out`, t => {
    const { dir, file } = layout(t, { apps: [{ root: 'a' }] }, { a: { [key]: value } })
    assert.throws(() => load(file), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_CONFIG_UNTRUSTED')
      assert.equal(err.message, `${join(realpathSync(dir), 'a', 'Ferryfile.json')}: "${key}" says who the app runs as or what it inherits, ` +
        `which only the operator decides: remove it from the file and pass --${key} or set it in the --config file`)
      return true
    })
  })
}

test('the --config file and flags may set them (the operator\'s choice)', t => {
  const { file } = layout(t, { user: 'daemon', apps: [{ root: 'a', group: 'daemon', 'pass-env': ['TZ_DB', 'SECRET_TOKEN'] }] })
  const [a] = load(file, { 'pass-env': ['OTHER'] }).apps
  assert.equal(a!.options.user, 'daemon')
  assert.equal(a!.options.group, 'daemon')
  assert.deepEqual(a!.options.passEnv, ['OTHER'], 'a flag wins, as for every option')
  assert.throws(() => load(file, { 'pass-env': ['A=b'] }), /--pass-env: expected a variable NAME, got "A=b"/)
})

const asRoot = process.geteuid?.() === 0
const needsRoot = asRoot ? false : 'only root switches users, so only then is the --config file\'s writer checked'

test('as root: a --config file must be one only root can write (it says what runs and as whom)', { skip: needsRoot }, t => {
  const untrusted = (file: string, why: RegExp): void => {
    assert.throws(() => load(file), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_CONFIG_UNTRUSTED')
      assert.match(err.message, why)
      assert.match(err.message, /; as root, Ferry reads only a --config file root alone can write, since it says what runs and as whom: chown root and chmod go-w it \(and its directories\)$/)
      assert.doesNotMatch(err.message, /\n/)
      return true
    })
  }
  const ok = layout(t, { user: 'daemon', apps: [{ root: 'a' }] })
  assert.equal(load(ok.file).apps[0]!.options.user, 'daemon', 'root\'s file, 0644, in root\'s directory')

  const writable = layout(t, { user: 'daemon', apps: [{ root: 'a' }] })
  chmodSync(writable.file, 0o666)
  untrusted(writable.file, /: its group or others can write it;/)

  const theirs = layout(t, { apps: [{ root: 'a', user: 'daemon' }] })
  chownSync(theirs.file, 65534, 65534)
  untrusted(theirs.file, /: it belongs to uid 65534/)

  const openDir = layout(t, { user: 'daemon', apps: [{ root: 'a' }] })
  chmodSync(openDir.dir, 0o777)
  untrusted(openDir.file, new RegExp(`its group or others can write its directory ${openDir.dir};`))

  const link = join(tmpDir(t), 'ferry.json')
  symlinkSync(ok.file, link)
  lchownSync(link, 65534, 65534)
  untrusted(link, new RegExp(`the symlink ${link} belongs to uid 65534`))

  // Not only "user": an app entry's start command runs as its directory's owner, so any file is checked.
  const other = layout(t, { 'max-pool-size': 2, apps: [{ root: 'a' }] })
  chmodSync(other.file, 0o666)
  untrusted(other.file, /: its group or others can write it;/)
})
