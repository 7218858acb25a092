import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cacheKey, cookieValue, urlKey } from '../../../src/core/cache/key.js'

const k = (host: string, url: string, cookieVariant?: string | null): string => cacheKey({ scheme: 'http', host, url, cookieVariant })

test('host is compared case-insensitively; port is kept', () => {
  assert.equal(k('Example.COM', '/a'), k('example.com', '/a'))
  assert.notEqual(k('example.com:8080', '/a'), k('example.com', '/a'))
})

test('scheme, path and query are part of the key, the query is not normalised', () => {
  assert.notEqual(cacheKey({ scheme: 'https', host: 'a', url: '/x' }), k('a', '/x'))
  assert.notEqual(k('a', '/x?a=1'), k('a', '/x?a=2'))
  assert.notEqual(k('a', '/x?a=1&b=2'), k('a', '/x?b=2&a=1'))
  assert.notEqual(k('a', '/x?'), k('a', '/x'))
  assert.notEqual(k('a', '/X'), k('a', '/x'))
  assert.equal(k('a', '/x?a=1'), k('a', '/x?a=1'))
})

test('a Host containing a slash cannot pose as another host\'s path', () => {
  assert.notEqual(k('a/b', '/c'), k('a', '/b/c'))
})

test('cookie variants: not configured, anonymous, empty and values are all distinct', () => {
  const keys = [k('a', '/'), k('a', '/', null), k('a', '/', ''), k('a', '/', 'x'), k('a', '/', 'y'), k('a', '/', '-')]
  assert.equal(new Set(keys).size, keys.length)
  assert.equal(k('a', '/', 'x'), k('a', '/', 'x'))
})

test('every variant key starts with its URL key, and the URL key is the key without a variant', () => {
  const u = urlKey({ scheme: 'http', host: 'A', url: '/p?q' })
  assert.equal(u, k('a', '/p?q'))
  for (const v of [null, '', 'x']) assert.ok(k('a', '/p?q', v).startsWith(u + '\n'))
})

test('cookieValue parses the Cookie header carefully', () => {
  const cases: Array<[string | string[] | undefined, string | null, string]> = [
    [undefined, null, 'no header'],
    ['', null, 'empty header'],
    ['other=1', null, 'other cookies only'],
    ['sess=abc', 'abc', 'single'],
    ['sess=', '', 'empty value is not absence'],
    ['sess', null, 'bare name without = is not the cookie'],
    ['a=1; sess=abc; b=2', 'abc', 'among others'],
    ['a=1;sess=abc;b=2', 'abc', 'no spaces'],
    ['  a=1 ;   sess =  abc  ; b=2', 'abc', 'extra spaces'],
    ['a=1;\tsess=abc', 'abc', 'tab'],
    ['sess="abc"', 'abc', 'quoted value'],
    ['sess=""', '', 'quoted empty value'],
    ['sess="', '"', 'lone quote kept'],
    ['xsess=1; sessx=2', null, 'names must match exactly'],
    ['SESS=1', null, 'names are case-sensitive'],
    ['sess=a=b', 'a=b', 'value may contain ='],
    ['a=1; sess=x; sess=y', 'x;y', 'repeated cookie: all values, in order'],
    [['a=1', 'sess=abc'], 'abc', 'several Cookie headers'],
    [['sess=x', 'sess=y'], 'x;y', 'repeated across headers'],
    [[], null, 'empty list']
  ]
  for (const [header, expected, why] of cases) assert.equal(cookieValue(header, 'sess'), expected, why)
})

test('a planted duplicate cookie never shares the key of the plain cookie', () => {
  assert.notEqual(cookieValue('sess=known; sess=secret', 'sess'), cookieValue('sess=known', 'sess'))
})
