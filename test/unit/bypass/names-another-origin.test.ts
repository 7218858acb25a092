// The client headers a bypassed process's turbocache refuses to read or store by (bypass/in-process.ts): nothing Ferry
// trusts sits in front of it, so any claim of another scheme, host, port or prefix keeps the request out of the cache.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mayNameAnotherOrigin, namesAnotherOrigin } from '../../../src/core/bypass/in-process.js'

test('namesAnotherOrigin: every claim of another origin counts, whatever its value', () => {
  const host = 'app.example'
  for (const claim of [
    { forwarded: 'for=1.2.3.4' },
    { 'x-forwarded-port': '443' },
    { 'x-forwarded-prefix': '/other' },
    { 'x-forwarded-host': 'evil.example' },
    { 'x-forwarded-proto': 'https' },
    { 'x-forwarded-proto': ['http', 'https'] as unknown as string },
    { 'x-forwarded-ssl': 'off' },
    { 'x-forwarded-scheme': 'http' },
    { 'front-end-https': 'on' },
    { 'x-url-scheme': 'https' }
  ]) {
    assert.equal(namesAnotherOrigin({ host, ...claim }), true, JSON.stringify(claim))
  }
})

test('namesAnotherOrigin: the request\'s own origin, or only who the client is, does not count', () => {
  const host = 'app.example'
  assert.equal(namesAnotherOrigin({ host }), false)
  assert.equal(namesAnotherOrigin({ host, 'x-forwarded-host': host }), false, 'the same Host')
  assert.equal(namesAnotherOrigin({ host, 'x-forwarded-proto': ' HTTP ' }), false, 'http, in any case and spacing')
  assert.equal(namesAnotherOrigin({ host, 'x-forwarded-for': '1.2.3.4' }), false, 'names the client, not the origin')
})

// The cheap first look (one character of each raw field name) must never clear a request the full check refuses:
// every claim, in any case of its name, as the client wrote it.
test('mayNameAnotherOrigin: every claim\'s raw name is looked at, in any case; a plain request is cleared', () => {
  const names = ['Forwarded', 'X-Forwarded-Port', 'X-Forwarded-Prefix', 'X-Forwarded-Host', 'X-Forwarded-Proto', 'X-Forwarded-Ssl',
    'X-Forwarded-Scheme', 'Front-End-Https', 'X-Url-Scheme']
  for (const name of names) {
    for (const written of [name, name.toLowerCase(), name.toUpperCase()]) {
      const raw = ['Host', 'app.example', 'Accept', '*/*', written, 'other', 'User-Agent', 'curl/8']
      assert.equal(mayNameAnotherOrigin(raw), true, written)
      assert.equal(namesAnotherOrigin({ host: 'app.example', [written.toLowerCase()]: 'other' }), true, written)
    }
  }
  const browser = ['Host', 'app.example', 'User-Agent', 'Mozilla/5.0', 'Accept', 'text/html', 'Accept-Encoding', 'gzip',
    'Accept-Language', 'en', 'Cookie', 'a=b', 'Sec-Fetch-Mode', 'navigate', 'Upgrade-Insecure-Requests', '1']
  assert.equal(mayNameAnotherOrigin(browser), false)
  assert.equal(mayNameAnotherOrigin([]), false)
})
