// Hit-for-pass at the turbocache: once a key's answer was refused, its misses go to the app unrecorded for
// UNCOLLAPSED_MS (recording an answer that is refused again costs every request of an uncacheable page), then the
// next miss is recorded again, so a page that became cacheable is stored.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Recorder, Turbocache } from '../../../src/core/server/turbocache.js'
import { UNCOLLAPSED_MS } from '../../../src/core/server/cache-fills.js'
import type { RequestHead, ResponseSink } from '../../../src/core/server/exchange-types.js'

const request = (headers: Record<string, string> = {}): RequestHead =>
  ({ method: 'GET', url: '/page', headers: { host: 'example.test', ...headers }, rawHeaders: [], socket: {} }) as unknown as RequestHead
const sink = {} as ResponseSink

test('a refused answer leaves its key unrecorded for a while; then it is recorded again and may be stored', () => {
  let now = 1_000_000
  const cache = new Turbocache({ maxBytes: 1 << 20, now: () => now })
  const first = cache.handle(request(), sink)
  assert.ok(first instanceof Recorder, 'a first miss is recorded')
  first.onHead(200, 'OK', ['Content-Type', 'text/plain'])
  first.onComplete()
  assert.equal(cache.handle(request(), sink), undefined, 'refused moments ago: passed to the app unrecorded')
  const refresh = cache.handle(request({ 'cache-control': 'no-cache' }), sink)
  assert.ok(refresh instanceof Recorder, 'a refresh is always recorded')
  refresh.abandon()
  now += UNCOLLAPSED_MS
  const later = cache.handle(request(), sink)
  assert.ok(later instanceof Recorder, 'the mark ended: recorded again')
  later.onHead(200, 'OK', ['Content-Type', 'text/plain', 'Cache-Control', 'max-age=60', 'Content-Length', '2'])
  later.onBody(Buffer.from('hi'))
  later.onComplete()
  assert.equal(cache.store.size, 1, 'the page that became cacheable is stored')
})
