import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { request } from 'undici'
import { Readable } from 'node:stream'
import { fixtureApp } from '../../helpers/tmp.js'
import { startFerry } from '../../helpers/ferry.js'
import { get, getJson } from '../../helpers/http.js'
import { childPids, cmdline, isAlive, peakRss, waitFor } from '../../helpers/procs.js'

test('graceful SIGTERM: the request in flight finishes, app processes stop, exit 0', async t => {
  const f = await startFerry(t, fixtureApp('proxy-lab'))
  const appPid = (await getJson<{ pid: number }>(`${f.url}/pid`)).pid
  const inFlight = get(`${f.url}/slow?ms=1500`)
  await new Promise(resolve => setTimeout(resolve, 300))
  const code = f.stop('SIGTERM')
  const r = await inFlight
  assert.equal(r.status, 200)
  assert.equal(await code, 0)
  await waitFor(() => !isAlive(appPid) && !isAlive(f.corePid), 10_000, 'app and core to exit')
})

test('process titles show what each process is', async t => {
  const f = await startFerry(t, fixtureApp('proxy-lab'))
  const appPid = (await getJson<{ pid: number }>(`${f.url}/pid`)).pid
  assert.match(cmdline(f.proc.pid!), /^Ferry watchdog/)
  assert.match(cmdline(f.corePid), /^Ferry core/)
  assert.match(cmdline(appPid), /^Ferry NodeApp: .*proxy-lab/)
})

test('a crashed core is restarted by the watchdog', async t => {
  const f = await startFerry(t, fixtureApp('proxy-lab'))
  const oldApp = (await getJson<{ pid: number }>(`${f.url}/pid`)).pid
  process.kill(f.corePid, 'SIGKILL')
  await waitFor(() => /crashed with signal SIGKILL; restarting it/.test(f.output()), 10_000, 'restart log line')
  await waitFor(async () => { try { return (await get(`${f.url}/pid`)).status === 200 } catch { return false } }, 15_000, 'the new core to serve')
  await waitFor(() => !isAlive(oldApp), 5_000, 'the old app process to be gone')
})

// 256 MB each way: a proxy that held a body whole would grow by at least that much; garbage collection lag alone
// accounts for a few tens of MB, so half the payload separates the two cleanly.
test('256 MB streamed up and down with core memory bounded by the read-ahead watermark', async t => {
  const watermark = 4 * 1024 * 1024
  const f = await startFerry(t, fixtureApp('proxy-lab'), ['--response-buffer-high-watermark', String(watermark)])
  const size = 256 * 1024 * 1024
  const chunk = Buffer.alloc(256 * 1024, 'u')
  const body = Readable.from((function * () { for (let sent = 0; sent < size; sent += chunk.length) yield chunk })())
  const beforeUpload = peakRss(f.corePid)
  const up = await request(`${f.url}/upload`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(up.statusCode, 200)
  assert.equal((await up.body.json() as { bytes: number }).bytes, size)
  const uploadGrowth = peakRss(f.corePid) - beforeUpload
  assert.ok(uploadGrowth < size / 2, `upload grew the core's peak RSS by ${Math.round(uploadGrowth / 1048576)} MiB`)

  const down = await request(`${f.url}/download?mb=256`)
  const hash = createHash('sha1')
  let received = 0
  for await (const c of down.body) { received += (c as Buffer).length; hash.update(c as Buffer) }
  assert.equal(received, size)
  const growth = peakRss(f.corePid) - beforeUpload
  assert.ok(growth < size / 2, `core peak RSS grew by ${Math.round(growth / 1048576)} MiB`)
})

test('app processes are children of the core and die with it', async t => {
  const f = await startFerry(t, fixtureApp('proxy-lab'))
  const appPid = (await getJson<{ pid: number }>(`${f.url}/pid`)).pid
  assert.ok(childPids(f.corePid).includes(appPid))
})
