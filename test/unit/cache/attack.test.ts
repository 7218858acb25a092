// Policy-level attacks on the turbocache (the end-to-end ones are in test/integration/cache/attack.test.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseHttpDate } from '../../../src/core/cache/http-date.js'
import { requestMode } from '../../../src/core/cache/policy.js'
import { cookieVariant } from '../../../src/core/cache/key.js'

test('an RFC 850 date whose weekday names the century before is read in that century (the epoch is not 2070)', () => {
  const now = Date.UTC(2026, 10, 30)
  assert.equal(parseHttpDate('Thursday, 01-Jan-70 00:00:00 GMT', now), 0)
  assert.equal(parseHttpDate('Wednesday, 01-Jan-70 00:00:00 GMT', now), Date.UTC(2070, 0, 1), 'the weekday of 2070 keeps 2070')
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now), Date.UTC(1994, 10, 6, 8, 49, 37))
})

test('a GET or HEAD with a body is neither served from nor stored in the cache', () => {
  assert.equal(requestMode('GET', { host: 'a', 'content-length': '3' }), 'bypass')
  assert.equal(requestMode('GET', { host: 'a', 'transfer-encoding': 'chunked' }), 'bypass')
  assert.equal(requestMode('HEAD', { host: 'a', 'content-length': '1' }), 'bypass')
  assert.equal(requestMode('GET', { host: 'a', 'content-length': '0' }), 'lookup')
})

test('cookieVariant: a plain pair gives its value; a pair apps read differently gives CR and the pair as sent', () => {
  const cases: Array<[string | string[] | undefined, string | null]> = [
    [undefined, null], ['other=1', null], ['lang=fr', 'fr'], ['a=1; lang=fr', 'fr'], ['a=1;\tlang=fr', 'fr'], ['lang=', ''],
    ['lang="fr"', '\rlang="fr"'], ['lang =fr', '\rlang =fr'], ['lang= fr', '\rlang= fr'], ['lang=fr ; b=1', '\rlang=fr '],
    ['lang=a; lang=b', 'a;b'], [['lang=a', 'lang="b"'], 'a;\rlang="b"'], ['xlang=1; LANG=2', null]
  ]
  for (const [header, expected] of cases) assert.equal(cookieVariant(header, 'lang'), expected, String(header))
  const variants = ['fr', '"fr"', ' fr', 'fr '].map(v => cookieVariant(`lang=${v}`, 'lang'))
  assert.equal(new Set(variants).size, variants.length)
})
