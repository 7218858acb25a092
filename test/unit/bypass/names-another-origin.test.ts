// The client headers a bypassed process's turbocache refuses to read or store by (bypass/in-process.ts): nothing Ferry
// trusts sits in front of it, so any claim of another scheme, host, port or prefix keeps the request out of the cache.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { namesAnotherOrigin } from '../../../src/core/bypass/in-process.js'

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
