// A write sent with an absolute-form target in a bypassed process invalidates under the target's authority and path,
// the key an origin-form GET of the same resource is stored under.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { originFormHead } from '../../../src/core/bypass/in-process.js'
import { Turbocache } from '../../../src/core/server/turbocache.js'
import type { RequestHead } from '../../../src/core/server/exchange-types.js'

const head = (url: string): RequestHead => ({ method: 'POST', url, headers: { host: 'other.test' }, rawHeaders: ['Host', 'other.test'], socket: {} }) as unknown as RequestHead

test('the authority (without userinfo) becomes the Host and the path and query the target', () => {
  const cases: Array<[string, string, string]> = [
    ['http://a.test/page', 'a.test', '/page'],
    ['HTTP://A.TEST:8080/page?x=1', 'A.TEST:8080', '/page?x=1'],
    ['https://a.test/page', 'a.test', '/page'],
    ['http://user:secret@a.test/page', 'a.test', '/page'],
    ['http://a.test', 'a.test', '/'],
    ['http://a.test?x', 'a.test', '/?x'],
    ['http://a.test/page#frag', 'a.test', '/page']
  ]
  for (const [url, host, target] of cases) {
    const h = originFormHead(head(url))
    assert.equal(h?.headers.host, host, url)
    assert.equal(h?.url, target, url)
    assert.equal(h?.method, 'POST')
  }
})

test('an origin-form target, or one in no form a cache keys, is left as it is', () => {
  for (const url of ['/page', '/', '*', 'a.test:443', 'ftp://a.test/x']) assert.equal(originFormHead(head(url)), undefined, url)
})

test('a write with an absolute-form target invalidates under the target\'s authority and under its Host field', () => {
  const hosts = (url: string, host?: string): string[] => {
    const h = head(url)
    const req = { ...h, headers: host === undefined ? {} : { host } } as RequestHead
    // The http keys the write drops, as `host target`.
    const keys = new Turbocache({ maxBytes: 1 << 20 }).invalidate(originFormHead(req) ?? req, 200, [])
    return keys.filter(k => k.startsWith('http\n')).map(k => k.split('\n').slice(1).join(' '))
  }
  assert.deepEqual(hosts('http://a.test/page', 'b.test'), ['a.test /page', 'b.test /page'])
  assert.deepEqual(hosts('http://a.test/page', 'A.TEST'), ['a.test /page'], 'one key when they agree')
  assert.deepEqual(hosts('http://a.test/page'), ['a.test /page'])
  assert.deepEqual(hosts('/page', 'b.test'), ['b.test /page'], 'origin form: the request itself')
})
