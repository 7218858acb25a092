// What the core reads from app connections (server/upstreams.ts). They all read into one shared buffer, so whatever
// the core keeps past one read must be a copy: bytes queued for a client that is not reading, and a body the
// turbocache stores. The app sends a pattern in which no two 8 KiB stretches are alike: a kept view of the buffer
// would show a later read's bytes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import { fixtureApp } from '../../helpers/tmp.js'
import { startCore } from '../../helpers/core.js'
import { getJson } from '../../helpers/http.js'

/** The bytes the proxy-lab app's /pattern route sends. */
function pattern (kb: number): Buffer {
  const out = Buffer.alloc(kb * 1024)
  for (let k = 0; k < out.length; k++) out[k] = (k * 7 + (k >>> 13)) & 255
  return out
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** Fetches `url`, stalling after the first chunk so that the core has to queue what the app sends meanwhile. */
async function fetchStalling (url: string, method: 'GET' | 'POST'): Promise<{ body: Buffer, headers: Record<string, unknown> }> {
  const res = await request(url, { method, body: method === 'POST' ? '' : undefined })
  assert.equal(res.statusCode, 200)
  const chunks: Buffer[] = []
  for await (const c of res.body) {
    if (chunks.length === 0) await sleep(300)
    chunks.push(c as Buffer)
  }
  return { body: Buffer.concat(chunks), headers: res.headers }
}

test('a 16 MiB body reaches a client that stalls intact, framed by length or chunked, on either front', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const expected = sha(pattern(16 * 1024))
  for (const method of ['GET', 'POST'] as const) { // GET: the lean front; POST: node's HTTP server
    for (const chunked of ['0', '1']) {
      const { body, headers } = await fetchStalling(`${f.url}/pattern?kb=${16 * 1024}&chunked=${chunked}`, method)
      assert.equal(body.length, 16 * 1024 * 1024, `${method} chunked=${chunked}`)
      assert.equal(sha(body), expected, `${method} chunked=${chunked}: the bytes differ`)
      assert.equal(headers['transfer-encoding'], chunked === '1' ? 'chunked' : undefined)
    }
  }
})

test('a cacheable body read in many pieces is stored intact and served intact from the cache', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'))
  const expected = sha(pattern(512))
  const miss = await fetchStalling(`${f.url}/pattern?kb=512&cache=1`, 'GET')
  assert.equal(sha(miss.body), expected)
  const hit = await fetchStalling(`${f.url}/pattern?kb=512&cache=1`, 'GET')
  assert.match(String(hit.headers.age), /^\d+$/, 'the second answer came from the turbocache')
  assert.equal(sha(hit.body), expected, 'the stored body differs from what the app sent')
})

test('bytes an app sends on an idle connection close it: the next request goes over a new one', async t => {
  const f = await startCore(t, fixtureApp('proxy-lab'), ['--max-pool-size', '1'])
  const first = await getJson<{ conn: number }>(`${f.url}/conn`)
  assert.equal((await getJson<{ conn: number }>(`${f.url}/conn`)).conn, first.conn, 'an idle connection is reused')
  await getJson(`${f.url}/conn?late=1`)
  await sleep(300)
  const next = await getJson<{ conn: number }>(`${f.url}/conn`)
  assert.notEqual(next.conn, first.conn, 'the connection the stray bytes came on was not reused')
})
