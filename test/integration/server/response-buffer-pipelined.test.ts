// --response-buffer-budget with one client: pipelined downloads on one connection all arrive under a budget smaller
// than they are, and nothing stays counted once they did. Runs on the in-process core; the many-clients test, which
// also measures the core's own memory, is in test/cli/server/response-buffer-budget.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore } from '../../helpers/core.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { waitFor } from '../../helpers/procs.js'

const MiB = 1024 * 1024

test('pipelined downloads on one connection all arrive under a small budget, and nothing stays counted', async t => {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('exchange-lab'), ['--max-pool-size', '1', '--response-buffer-budget', String(MiB)], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  const held = async (): Promise<number> => (JSON.parse((await call('/server.json')).body) as { thread1: { response_buffer_bytes: number } }).thread1.response_buffer_bytes
  const downloads = 15
  // The POST hands the connection to node's server, which runs the pipelined GETs at once and keeps each response
  // aside until the one before it is done.
  let payload = 'POST /slow?ms=300 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'
  for (let i = 0; i < downloads; i++) payload += `GET /download?mb=2&i=${i} HTTP/1.1\r\nHost: x\r\n\r\n`
  const { hostname, port } = new URL(f.url)
  const s = connect(Number(port), hostname, () => s.write(payload))
  t.after(() => s.destroy())
  s.pause()
  await sleep(800)
  const expected = downloads * 2 * MiB
  let received = 0
  await new Promise<void>((resolve, reject) => {
    s.on('data', (c: Buffer) => { received += c.length; if (received >= expected) resolve() })
    s.on('close', () => reject(new Error(`closed after ${received} bytes`)))
    s.resume()
  })
  assert.ok(received >= expected)
  s.destroy()
  await waitFor(async () => await held() === 0, 5_000, 'nothing to stay counted')
  assert.doesNotMatch(f.output(), /MaxListenersExceededWarning/)
})
