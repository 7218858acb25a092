// A write sent with an absolute-form target in a bypassed process invalidates under the target's authority and path,
// the key an origin-form GET of the same resource is stored under.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { originFormHead } from '../../../src/core/bypass/in-process.js'
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
