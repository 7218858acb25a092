// What a request the turbocache cannot answer costs (the common case: an uncacheable page, whose key is marked
// hit-for-pass, or an empty store), and what static files cost a request that names none: the clock is read once,
// the Vary fields are made only for a key with variants, and a target the index does not hold is not normalised.
// The decisions themselves are the other tests' (turbocache-pass, cache-fills, static-paths).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Recorder, Turbocache } from '../../../src/core/server/turbocache.js'
import { Fill } from '../../../src/core/server/cache-fills.js'
import { createStaticFiles, indexedFile, normalizeRequestPath } from '../../../src/core/server/static.js'
import { createInProcessServing } from '../../../src/core/bypass/in-process.js'
import type { RequestHead, ResponseSink } from '../../../src/core/server/exchange-types.js'
import { tmpDir } from '../../helpers/tmp.js'

/** A request whose header object counts how often its fields are listed (what making its Vary fields does). */
function countedRequest (url: string, extra: Record<string, string> = {}): { req: RequestHead, listed: () => number } {
  const fields: Record<string, string> = { host: 'example.test', 'user-agent': 'test', ...extra }
  let listed = 0
  const headers = new Proxy(fields, { ownKeys: t => { listed++; return Reflect.ownKeys(t) } })
  const rawHeaders = Object.entries(fields).flat()
  return { req: { method: 'GET', url, headers, rawHeaders, socket: {} } as unknown as RequestHead, listed: () => listed }
}
const sink = {} as ResponseSink

/** A cache whose clock counts its readings. */
function countedCache (): { cache: Turbocache, readings: () => number, advance: (ms: number) => void } {
  let now = 1_000_000
  let readings = 0
  const cache = new Turbocache({ maxBytes: 1 << 20, now: () => { readings++; return now } })
  return { cache, readings: () => readings, advance: ms => { now += ms } }
}

/** Sends `url` through the cache once, with an answer that is refused (nothing about caching): the key is marked. */
function refuseOnce (cache: Turbocache, url: string): void {
  const r = cache.handle(countedRequest(url).req, sink)
  assert.ok(r instanceof Recorder)
  r.onHead(200, 'OK', ['Content-Type', 'text/plain'])
  r.onComplete()
}

test('a miss for a key marked hit-for-pass reads the clock once and makes no Vary fields', () => {
  const { cache, readings } = countedCache()
  refuseOnce(cache, '/page')
  const { req, listed } = countedRequest('/page')
  const before = readings()
  assert.equal(cache.handle(req, sink), undefined, 'passed to the app unrecorded')
  assert.equal(readings() - before, 1, 'one clock reading')
  assert.equal(listed(), 0, 'no Vary fields made: nothing stored under the key varies')
})

test('a miss in an empty store reads the clock once, leads its fill and makes no Vary fields', () => {
  const { cache, readings } = countedCache()
  refuseOnce(cache, '/other') // a mark on another key: the lead still looks at the marks
  const { req, listed } = countedRequest('/fresh-page')
  const before = readings()
  const r = cache.handle(req, sink)
  assert.ok(r instanceof Recorder, 'recorded')
  assert.equal(readings() - before, 1, 'one clock reading')
  assert.equal(listed(), 0)
  assert.ok(cache.handle(countedRequest('/fresh-page').req, sink) instanceof Fill, 'it leads: the next one waits for it')
  r.abandon()
})

test('a key with Vary variants still makes the request\'s Vary fields and finds its variant', () => {
  const { cache } = countedCache()
  const first = cache.handle(countedRequest('/v', { 'accept-language': 'fr' }).req, sink)
  assert.ok(first instanceof Recorder)
  first.onHead(200, 'OK', ['Cache-Control', 'max-age=60', 'Vary', 'Accept-Language', 'Content-Length', '2'])
  first.onBody(Buffer.from('fr'))
  first.onComplete()
  const fr = countedRequest('/v', { 'accept-language': 'fr' })
  const served: unknown[] = []
  const res = { endHit: (hit: unknown) => served.push(hit) } as unknown as ResponseSink
  assert.equal(cache.handle(fr.req, res), true, 'the fr variant is a hit')
  assert.ok(fr.listed() > 0, 'its Vary fields were made')
  const de = cache.handle(countedRequest('/v', { 'accept-language': 'de' }).req, sink)
  assert.ok(de instanceof Recorder, 'another language is a miss')
  de.abandon()
})

test('a marked key with nothing stored still waits for a fill in flight (a background revalidation\'s)', () => {
  const { cache, advance } = countedCache()
  refuseOnce(cache, '/swr')
  // A refresh is recorded even while marked: it stores an entry that soon goes stale, within its swr window.
  const refresh = cache.handle(countedRequest('/swr', { 'cache-control': 'no-cache' }).req, sink)
  assert.ok(refresh instanceof Recorder)
  refresh.onHead(200, 'OK', ['Cache-Control', 'max-age=1, stale-while-revalidate=60', 'Content-Length', '2'])
  refresh.onBody(Buffer.from('ok'))
  refresh.onComplete()
  advance(2000)
  const res = Object.assign(new EventEmitter(), { endHit: () => {} }) as unknown as ResponseSink
  const background = cache.handle(countedRequest('/swr').req, res)
  assert.ok(background !== undefined && background !== true && 'background' in background && background.background)
  cache.purgeUrl({ scheme: 'http', host: 'example.test', url: '/swr' })
  assert.equal(cache.store.size, 0)
  assert.ok(cache.handle(countedRequest('/swr').req, sink) instanceof Fill, 'collapsed on the fill in flight, as before')
  background.recorder.abandon()
  assert.equal(cache.handle(countedRequest('/swr').req, sink), undefined, 'then passed: the mark still holds')
})

test('static files: a target the index does not hold is not normalised; the index decides as normalizeRequestPath', (t) => {
  const dir = tmpDir(t)
  mkdirSync(join(dir, 'public', 'css'), { recursive: true })
  writeFileSync(join(dir, 'public', 'css', 'site.css'), 'body{}')
  writeFileSync(join(dir, 'public', 'index.html'), 'hi')
  writeFileSync(join(dir, 'public', 'a b.txt'), 'x')
  const files = createStaticFiles(join(dir, 'public'))
  t.after(() => files.close())
  const normalize = posix.normalize
  let normalised = 0
  posix.normalize = (p: string) => { normalised++; return normalize(p) }
  try {
    assert.equal(files.matches('GET', '/users/42?page=2'), false)
    assert.equal(files.matches('GET', '/api/items'), false)
    assert.equal(normalised, 0, 'no normalising for a request that names no file')
    assert.equal(files.matches('GET', '/css/site.css?v=1'), true)
  } finally {
    posix.normalize = normalize
  }
  const index = new Map([['/css/site.css', 'css/site.css'], ['/', 'index.html'], ['/a b.txt', 'a b.txt'], ['/docs/', 'docs/index.html']])
  const targets = ['/css/site.css', '/css/site.css?x=/../y', '/', '/docs/', '/docs', '/a%20b.txt', '/a b.txt', '/css/./site.css',
    '/css//site.css', '/css/../css/site.css', '/%2e/css/site.css', '/css%2fsite.css', '/%zz', 'css/site.css', '//css/site.css',
    '/css/site.css/', '/css\\site.css', '/users/42', undefined]
  for (const target of targets) {
    const path = normalizeRequestPath(target)
    assert.equal(indexedFile(index, target), path === undefined ? undefined : index.get(path), String(target))
  }
})

test('bypass: a request for a key marked hit-for-pass is not captured for the cache', (t) => {
  const root = tmpDir(t)
  const serving = createInProcessServing({ root, staticFiles: false, turbocache: { maxBytes: 1 << 20 } }, err => { throw err })
  class Res extends EventEmitter {
    statusCode = 200
    statusMessage = 'OK'
    _header: string | null = null
    writableEnded = false
    writableFinished = false
    destroyed = false
    writeHead (): this { this._header = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n'; return this }
    write (): boolean { return true }
    end (): this { if (this._header === null) this.writeHead(); this.writableEnded = this.writableFinished = true; this.emit('finish'); return this }
  }
  const req = (): IncomingMessage => countedRequest('/page').req as unknown as IncomingMessage
  const answer = (_req: IncomingMessage, res: ServerResponse): void => { res.writeHead(200); res.end() }
  const first = new Res()
  serving.serve(req(), first as unknown as ServerResponse, answer)
  assert.ok(Object.hasOwn(first, 'writeHead'), 'the first miss is captured (its answer is refused: the key is marked)')
  const second = new Res()
  serving.serve(req(), second as unknown as ServerResponse, answer)
  assert.equal(Object.hasOwn(second, 'writeHead'), false, 'not captured: its answer could not be stored')
  assert.equal(serving.figures()?.counters.stores, 1, 'one storage decision, the first one\'s')
})
