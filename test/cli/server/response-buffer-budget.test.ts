// --response-buffer-budget: what the core holds for clients slower than their apps is bounded over all responses
// together, not only per response. Twenty clients ask for large downloads and read nothing; the apps are paused
// (backpressure) once the budget is used, a client that keeps up is still served meanwhile, and the slow ones get
// every byte once they read.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry } from '../../helpers/ferry.js'
import { get } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { waitFor } from '../../helpers/procs.js'

const MiB = 1024 * 1024

function rss (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m![1]) * 1024
}

/** A client that asks for `path` and does not read until told to. */
function stalledClient (t: TestContext, url: string, path: string): Socket {
  const { hostname, port } = new URL(url)
  const s = connect(Number(port), hostname, () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`))
  s.pause()
  s.on('error', () => {})
  t.after(() => s.destroy())
  return s
}

/** Reads the rest of the response on `s`; resolves its body's length. */
function readBody (s: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let head = ''
    let length = -1
    let body = 0
    s.on('data', (c: Buffer) => {
      if (length < 0) {
        head += c.toString('latin1')
        const end = head.indexOf('\r\n\r\n')
        if (end < 0) return
        length = Number(/content-length: (\d+)/i.exec(head.slice(0, end))![1])
        body = head.length - end - 4
      } else body += c.length
      if (body >= length) resolve(body)
    })
    s.on('close', () => reject(new Error(`closed after ${body} of ${length} bytes`)))
    s.resume()
  })
}

test('twenty clients that do not read hold the budget plus a small share each, not their whole downloads', async t => {
  const budget = 8 * MiB
  const readers = 20
  const size = 24 // MiB each: 480 MiB in all, of which today's per-response watermark alone would let the core hold most
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('exchange-lab'), ['--max-pool-size', '1', '--response-buffer-budget', String(budget)], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  type Server = { response_buffer_bytes: number, response_buffer_budget: number, responses_paused_for_budget: number }
  const server = async (): Promise<Server> => (JSON.parse((await call('/server.json')).body) as { thread1: Server }).thread1
  assert.equal((await get(`${f.url}/slow?ms=1`)).status, 200)
  const rssBefore = rss(f.corePid)

  const clients = Array.from({ length: readers }, (_, i) => stalledClient(t, f.url, `/download?mb=${size}&i=${i}`))
  await waitFor(async () => (await server()).responses_paused_for_budget === readers, 20_000, 'every download to wait for the budget')
  // Each response may hold its own share (64 KiB) past the budget, plus one read from its app (64 KiB) and framing.
  const bound = budget + readers * 192 * 1024
  let most = 0
  for (let i = 0; i < 5; i++) {
    const s = await server()
    assert.equal(s.response_buffer_budget, budget)
    most = Math.max(most, s.response_buffer_bytes)
    await sleep(100)
  }
  assert.ok(most >= budget, `the budget was not reached (${most} bytes held): the test proves nothing`)
  assert.ok(most <= bound, `${most} bytes held for slow clients, over ${bound}`)
  const grown = rss(f.corePid) - rssBefore
  assert.ok(grown < budget + 100 * MiB, `the core grew by ${(grown / MiB).toFixed(0)} MiB`)

  // A client that reads is not held back by the slow ones.
  const res = await request(`${f.url}/download?mb=4&fast=1`)
  let fast = 0
  for await (const c of res.body) fast += (c as Buffer).length
  assert.equal(fast, 4 * MiB)

  // The slow ones get everything once they read.
  assert.deepEqual(await Promise.all(clients.slice(0, 2).map(readBody)), [size * MiB, size * MiB])
  for (const c of clients) c.destroy()
  await waitFor(async () => (await server()).response_buffer_bytes === 0, 5_000, 'the held bytes of clients gone to be forgotten')
})
