// --request-body-timeout: a request body that stops arriving gets 408, its request in the app is aborted and the
// app process's session is given back; a body that keeps coming, however slowly, is not cut.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore } from '../../helpers/core.js'
import { get, getJson } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { waitFor } from '../../helpers/procs.js'

/** A raw connection and everything the server sent on it; `closed` says whether the server closed it. */
function client (t: TestContext, url: string): { s: Socket, text: () => string, closed: () => boolean } {
  const { hostname, port } = new URL(url)
  const s = connect(Number(port), hostname)
  let text = ''
  s.setEncoding('latin1')
  s.on('data', (d: string) => { text += d })
  s.on('error', () => {})
  t.after(() => s.destroy())
  let closed = false
  s.once('close', () => { closed = true })
  return { s, text: () => text, closed: () => closed }
}

const upload = (path: string, length: number): string => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`

test('a request body that stops arriving gets 408, the app request is aborted and its session freed; a slow one is not cut', async t => {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('exchange-lab'), ['--max-pool-size', '1', '--concurrency', '2', '--request-body-timeout', '2'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  const sessions = async (): Promise<number> => {
    const { pool } = JSON.parse((await call('/pool.json')).body) as { pool: { groups: Array<{ processes: Array<{ sessions: number }> }> } }
    return pool.groups.flatMap(g => g.processes).reduce((n, p) => n + p.sessions, 0)
  }
  assert.equal((await get(`${f.url}/slow?ms=1`)).status, 200)

  // Ten bytes of a hundred, then nothing.
  const stalled = client(t, f.url)
  stalled.s.write(upload('/upload?stalled=1', 100) + 'x'.repeat(10))
  await waitFor(stalled.closed, 6_000, 'an answer to the stalled upload')
  assert.match(stalled.text(), /^HTTP\/1\.1 408 /)
  assert.match(stalled.text(), /\r\nconnection: close\r\n/i)
  await waitFor(async () => await sessions() === 0, 2_000, 'the session to be given back')
  const app = await getJson<{ aborted: string[], bytes: Record<string, number> }>(`${f.url}/stats`)
  assert.ok(app.aborted.includes('/upload?stalled=1'), 'the app saw its request aborted')
  assert.equal(app.bytes['/upload?stalled=1'], 10)

  // A byte every 400 ms for 2.8 s: longer than the timeout in all, never idle that long.
  const slow = client(t, f.url)
  slow.s.write(upload('/upload?slow=1', 7))
  for (let i = 0; i < 7; i++) { await sleep(400); slow.s.write('y') }
  await waitFor(() => slow.text().includes('\r\n\r\n{'), 5_000, 'the slow upload to be answered')
  assert.match(slow.text(), /^HTTP\/1\.1 200 /)
  assert.match(slow.text(), /"bytes":7/)
})
