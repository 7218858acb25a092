// The turbocache's keys for heads node parsed (a bypassed process's requests): requests for one target share the
// key made for it, so each must still get the key its own scheme, Host and cookie make, whatever came before it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_KEYS_BY_TARGET, Recorder, Turbocache } from '../../../src/core/server/turbocache.js'
import type { Scheme } from '../../../src/core/cache/key.js'
import type { RequestHead, ResponseSink } from '../../../src/core/server/exchange-types.js'

const sink = {} as ResponseSink

/** A head as node gives it: a new, unfrozen headers object for every request. */
function request (url: string, headers: Record<string, string>): RequestHead {
  return { method: 'GET', url, headers: { ...headers }, rawHeaders: Object.entries(headers).flat(), socket: {} } as unknown as RequestHead
}

/** The key the cache records a miss under (nothing is stored: each recorder is abandoned). */
function keyOf (cache: Turbocache, req: RequestHead, scheme: Scheme = 'http'): string {
  const recorder = cache.handle(req, sink, scheme, false)
  assert.ok(recorder instanceof Recorder, `a miss for ${req.url} is recorded`)
  recorder.abandon()
  return recorder.key
}

test('one target asked for under two Hosts gets each its own key, in any order', () => {
  const cache = new Turbocache({ maxBytes: 1 << 20 })
  const a = keyOf(cache, request('/page', { host: 'a.test' }))
  const b = keyOf(cache, request('/page', { host: 'b.test' }))
  assert.notEqual(a, b)
  assert.ok(a.includes('a.test') && b.includes('b.test'))
  assert.equal(keyOf(cache, request('/page', { host: 'a.test' })), a)
  assert.equal(keyOf(cache, request('/page', { host: 'A.TEST' })), a, 'Host is compared as the key has it: lower case')
  assert.equal(keyOf(cache, request('/page', { host: 'b.test' })), b)
})

test('the scheme and the target are parts of the shared key too', () => {
  const cache = new Turbocache({ maxBytes: 1 << 20 })
  const http = keyOf(cache, request('/page', { host: 'a.test' }))
  const https = keyOf(cache, request('/page', { host: 'a.test' }), 'https')
  assert.notEqual(http, https)
  assert.equal(keyOf(cache, request('/page', { host: 'a.test' })), http)
  assert.notEqual(keyOf(cache, request('/page?x', { host: 'a.test' })), http)
  assert.notEqual(keyOf(cache, request('/Page', { host: 'a.test' })), http)
})

test('with --vary-turbocache-by-cookie each request keys on its own cookie', () => {
  const cache = new Turbocache({ maxBytes: 1 << 20, varyByCookie: 'lang' })
  const fr = keyOf(cache, request('/page', { host: 'a.test', cookie: 'lang=fr' }))
  const en = keyOf(cache, request('/page', { host: 'a.test', cookie: 'lang=en' }))
  const none = keyOf(cache, request('/page', { host: 'a.test' }))
  assert.equal(new Set([fr, en, none]).size, 3)
  assert.equal(keyOf(cache, request('/page', { host: 'a.test', cookie: 'lang=fr' })), fr)
})

test('past the targets it remembers, every request still gets its own key', () => {
  const cache = new Turbocache({ maxBytes: 1 << 20 })
  const first = keyOf(cache, request('/0', { host: 'a.test' }))
  for (let i = 1; i <= MAX_KEYS_BY_TARGET * 2; i++) {
    assert.ok(keyOf(cache, request(`/${i}`, { host: 'a.test' })).endsWith(`\n/${i}`))
  }
  assert.equal(keyOf(cache, request('/0', { host: 'a.test' })), first)
  assert.notEqual(keyOf(cache, request('/0', { host: 'b.test' })), first)
})

test('what a write invalidates in one cache can be dropped from another holding the same app\'s answers', () => {
  const a = new Turbocache({ maxBytes: 1 << 20 })
  const b = new Turbocache({ maxBytes: 1 << 20 })
  for (const url of ['/page', '/other']) {
    const recorder = b.handle(request(url, { host: 'a.test' }), sink, 'http', false)
    assert.ok(recorder instanceof Recorder)
    recorder.onHead(200, 'OK', ['Cache-Control', 'max-age=60', 'Content-Length', '2'])
    recorder.onBody(Buffer.from('hi'))
    recorder.onComplete()
  }
  assert.equal(b.store.size, 2)
  const post = { ...request('/page', { host: 'a.test' }), method: 'POST' } as RequestHead
  const keys = a.invalidate(post, 200, [])
  assert.ok(keys.length >= 1 && keys.every(k => k.endsWith('\n/page')), JSON.stringify(keys))
  assert.deepEqual(a.invalidate(post, 500, []), [], 'a failed write changes nothing')
  assert.equal(b.dropUrlKeys(keys), 1)
  assert.equal(b.store.size, 1, 'only the written URL is dropped')
})
