// What an app process inherits: everything when it runs as Ferry's user, a clean environment when it runs as another.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appEnv } from '../../../src/core/spawn/app-env.js'
import type { AppSpec } from '../../../src/core/spawn/loader.js'

const rootEnv = {
  PATH: '/root/.local/bin:/usr/bin:/bin',
  HOME: '/root',
  USER: 'root',
  SECRET_TOKEN: 's3cret',
  AWS_SECRET_ACCESS_KEY: 'aws',
  NODE_OPTIONS: '--require /root/hook.js',
  LANG: 'C.UTF-8',
  LC_TIME: 'en_GB.UTF-8',
  TZ: 'Europe/Paris',
  KEEP_ME: 'kept'
}
const app: AppSpec = {
  root: '/srv/app',
  type: 'node',
  environment: 'staging',
  env: { FROM_FLAG: 'yes', FERRY_BASE_URI: '/b' },
  startTimeoutMs: 1000,
  socketDir: '/tmp/x'
}
const nobody = { uid: 65534, gid: 65534, user: 'nobody', home: '/nonexistent', shell: '/usr/sbin/nologin' }

test('as Ferry\'s own user: Ferry\'s environment, then Ferry\'s variables, --envvar and the loader\'s', () => {
  const env = appEnv(app, { PORT: '4000' }, rootEnv)
  assert.equal(env.SECRET_TOKEN, 's3cret')
  assert.equal(env.PATH, rootEnv.PATH)
  assert.equal(env.HOME, '/root')
  assert.equal(env.NODE_ENV, 'staging')
  assert.equal(env.FROM_FLAG, 'yes')
  assert.equal(env.PORT, '4000')
})

test('as another user: a system PATH, locale and TZ, the user\'s names, Ferry\'s variables, --envvar and --pass-env only', () => {
  const env = appEnv({ ...app, identity: nobody, passEnv: ['KEEP_ME', 'NOT_SET'] }, { PORT: '4000' }, rootEnv)
  const path = env.PATH!.split(':')
  assert.deepEqual(path.slice(0, 6), ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])
  assert.ok(!path.some(p => p.startsWith('/root')), env.PATH)
  assert.deepEqual(Object.keys(env).sort(), ['FERRY_APP_ENV', 'FERRY_APP_ROOT', 'FERRY_BASE_URI', 'FROM_FLAG', 'HOME', 'IN_FERRY', 'KEEP_ME',
    'LANG', 'LC_TIME', 'LOGNAME', 'NODE_ENV', 'PATH', 'PORT', 'SHELL', 'TZ', 'USER'])
  assert.equal(env.HOME, '/nonexistent')
  assert.equal(env.USER, 'nobody')
  assert.equal(env.LOGNAME, 'nobody')
  assert.equal(env.SHELL, '/usr/sbin/nologin')
  assert.equal(env.KEEP_ME, 'kept')
  assert.equal(env.TZ, 'Europe/Paris')
})

test('Python, Ruby and generic apps also get RACK_ENV, RAILS_ENV and PYTHONUNBUFFERED; Node apps do not need them', () => {
  for (const type of ['python', 'ruby', 'generic'] as const) {
    const env = appEnv({ ...app, type, env: {} }, {}, rootEnv)
    assert.deepEqual([env.RACK_ENV, env.RAILS_ENV, env.PYTHONUNBUFFERED, env.FERRY_APP_ENV], ['staging', 'staging', '1', 'staging'], type)
  }
  const node = appEnv({ ...app, env: {} }, {}, rootEnv)
  assert.equal(node.RACK_ENV, undefined)
  assert.equal(appEnv({ ...app, type: 'ruby', env: { RACK_ENV: 'mine' } }, {}, rootEnv).RACK_ENV, 'mine', '--envvar wins')
})
