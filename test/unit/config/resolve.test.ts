import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveOptions, envvarPairs } from '../../../src/core/config/resolve.js'
import { OPTIONS } from '../../../src/core/config/options.js'

test('defaults match the documented ones and are frozen', () => {
  const { options, sources } = resolveOptions({})
  assert.equal(options.port, 3000)
  assert.equal(options.address, '0.0.0.0')
  assert.equal(options.environment, 'production')
  assert.equal(options.maxPoolSize, 6)
  assert.equal(options.minInstances, 1)
  assert.equal(options.maxInstances, 0)
  assert.equal(options.concurrency, 0)
  assert.equal(options.maxRequestQueueSize, 100)
  assert.equal(options.poolIdleTime, 300)
  assert.equal(options.startTimeout, 90)
  assert.equal(options.responseBufferHighWatermark, 128 * 1024 * 1024)
  assert.equal(options.friendlyErrorPages, undefined)
  assert.deepEqual(options.envvar, [])
  assert.equal(sources.port, 'default')
  assert.ok(Object.isFrozen(options))
})

test('later sources win: default < file < env < flag', () => {
  const env = { FERRY_INSTANCE_REGISTRY_DIR: '/env/dir' }
  const r = resolveOptions({ file: { port: 1, 'instance-registry-dir': '/file/dir' }, env, flags: { port: '8080' } })
  assert.equal(r.options.port, 8080)
  assert.equal(r.sources.port, 'flag')
  assert.equal(r.options.instanceRegistryDir, '/env/dir')
  assert.equal(r.sources['instance-registry-dir'], 'env')
})

test('bad values are refused with a message naming the option and the value', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ port: 'abc' }, /--port: expected a whole number, got "abc"/],
    [{ port: '70000' }, /--port: expected a number of at most 65535/],
    [{ 'max-pool-size': '0' }, /--max-pool-size: expected a number of at least 1/],
    [{ 'app-type': 'php' }, /--app-type: expected one of node, python, ruby, generic/],
    [{ envvar: ['NOEQUALS'] }, /--envvar: expected NAME=VALUE/],
    [{ 'friendly-error-pages': 'maybe' }, /expected true or false/]
  ]
  for (const [flags, message] of cases) {
    assert.throws(() => resolveOptions({ flags }), (err: Error & { code?: string }) => err.code === 'E_OPTION_INVALID' && message.test(err.message))
  }
})

test('envvar pairs keep everything after the first =', () => {
  assert.deepEqual(envvarPairs(['A=1', 'B=x=y', 'C=']), { A: '1', B: 'x=y', C: '' })
})

test('every option has a help text and a unique name and flag character', () => {
  const names = new Set<string>()
  const chars = new Set<string>()
  for (const o of OPTIONS) {
    assert.ok(o.help.length > 10, o.name)
    assert.ok(!names.has(o.name), o.name)
    names.add(o.name)
    if ('char' in o) { assert.ok(!chars.has(o.char), o.char); chars.add(o.char) }
  }
})
