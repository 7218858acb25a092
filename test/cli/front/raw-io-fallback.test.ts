// The lean front without its raw paths (raw-io.ts): FERRY_RAW_IO=off, read when the core starts, so in a core
// process of its own. What a Node without them would run: hits, pipelined, HEAD and 304 still answered in order.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startFerry } from '../../helpers/ferry.js'
import { fixtureApp } from '../../helpers/tmp.js'
import { rawClient as client, req, serial } from '../../helpers/raw-answers.js'

test('with FERRY_RAW_IO=off the stream path answers the same: hits, pipelined, HEAD and 304', async t => {
  const f = await startFerry(t, fixtureApp('cache-lab'), [], { FERRY_RAW_IO: 'off' })
  const c = await client(t, f.url)
  c.s.write(req('/public?etag'))
  const [miss] = await c.answers(['GET'])
  c.s.write(req('/public?etag') + `HEAD /public?etag HTTP/1.1\r\nHost: a\r\n\r\n` + req('/public?etag', 'If-None-Match: "v1"\r\n') + req('/public?etag'))
  const a = await c.answers(['GET', 'GET', 'HEAD', 'GET', 'GET'])
  assert.deepEqual(a.map(x => x.status), [200, 200, 200, 304, 200])
  assert.equal(serial(a[1]!), serial(miss!))
  assert.equal(serial(a[4]!), serial(miss!))
})
