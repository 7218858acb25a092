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

test('100 MB streamed up and down with bounded core memory', async t => {
  const f = await startFerry(t, fixtureApp('proxy-lab'))
  const before = peakRss(f.corePid)
  const size = 100 * 1024 * 1024
  const chunk = Buffer.alloc(256 * 1024, 'u')
  const body = Readable.from((function * () { for (let sent = 0; sent < size; sent += chunk.length) yield chunk })())
  const up = await request(`${f.url}/upload`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } })
  assert.equal(up.statusCode, 200)
  assert.equal((await up.body.json() as { bytes: number }).bytes, size)

  const down = await request(`${f.url}/download?mb=100`)
  const hash = createHash('sha1')
  let received = 0
  for await (const c of down.body) { received += (c as Buffer).length; hash.update(c as Buffer) }
  assert.equal(received, size)
  const growth = peakRss(f.corePid) - before
  assert.ok(growth < 64 * 1024 * 1024, `core peak RSS grew by ${Math.round(growth / 1048576)} MiB`)
})

test('app processes are children of the core and die with it', async t => {
  const f = await startFerry(t, fixtureApp('proxy-lab'))
  const appPid = (await getJson<{ pid: number }>(`${f.url}/pid`)).pid
  assert.ok(childPids(f.corePid).includes(appPid))
})
