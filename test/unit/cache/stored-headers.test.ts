import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mergedHeaders, storedHeaders } from '../../../src/core/cache/stored-headers.js'

test('hop-by-hop fields, those the Connection headers name, framing, Age, Set-Cookie and Ferry\'s own are never stored', () => {
  const flat = [
    'Content-Type', 'text/html', 'Connection', 'X-A, x-b', 'connection', 'keep-alive', 'X-A', '1', 'x-B', '2', 'X-C', '3',
    'Keep-Alive', 'timeout=5', 'Proxy-Connection', 'x', 'Transfer-Encoding', 'chunked', 'Content-Length', '5', 'TE', 'x',
    'Trailer', 'X-T', 'Upgrade', 'h2c', 'Proxy-Authenticate', 'Basic', 'Age', '3', 'Set-Cookie', 'a=1',
    'X-Ferry-OOB-Work', 'true', 'Ferry-Cache-Control', 'max-age=60', 'ETag', '"e"'
  ]
  assert.deepEqual(storedHeaders(flat), { headers: ['Content-Type', 'text/html', 'X-C', '3', 'ETag', '"e"'], ferryCacheControl: 'max-age=60' })
  assert.deepEqual(storedHeaders([]), { headers: [], ferryCacheControl: undefined })
})

test('a 304 replaces stored fields of the names it carries; those it may not set are ignored', () => {
  const m = mergedHeaders(['A', '1', 'B', '2', 'b', '3'], 's-maxage=5', ['b', '4', 'Connection', 'A', 'A', 'x', 'Content-Length', '0'])
  assert.deepEqual(m, { headers: ['A', '1', 'b', '4'], ferryCacheControl: 's-maxage=5' })
  assert.equal(mergedHeaders([], 'a', ['Ferry-Cache-Control', 'b']).ferryCacheControl, 'b')
})
