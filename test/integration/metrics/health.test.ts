// --metrics-address on a real instance: /healthz and /readyz as load balancers and Kubernetes probes see them, and
// /metrics counting the requests a client really sent.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { realpathSync } from 'node:fs'
import { startCore } from '../../helpers/core.js'
import { get, rawExchange } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'
import { fixtureApp } from '../../helpers/tmp.js'
import { metricsUrl, sampleValue } from './helpers.js'

test('/healthz and /readyz answer 200 while the app has a ready process; /metrics counts its requests (an accepted upgrade as 1xx)', async t => {
  const app = realpathSync(fixtureApp('upgrade-lab'))
  const f = await startCore(t, app, ['--metrics-address', '127.0.0.1:0'])
  const m = await metricsUrl(f)
  const health = await get(`${m}/healthz`)
  assert.equal(health.status, 200)
  assert.equal(health.body, 'ok\n')
  const ready = await get(`${m}/readyz`)
  assert.equal(ready.status, 200, ready.body)
  assert.equal(ready.body, 'ready\n')

  for (let i = 0; i < 5; i++) assert.equal((await get(`${f.url}/`)).status, 200)
  // Its 101 goes to the client as the app sent it: still an answer, of class 1xx, not a client that left.
  const upgrade = await rawExchange(f.url, 'GET /echo HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n', 300)
  assert.match(upgrade, /^HTTP\/1\.1 101 /)
  const r = await get(`${m}/metrics`)
  assert.equal(r.status, 200)
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  assert.equal(sampleValue(r.body, 'ferry_requests_total', { app, code: '2xx' }), 5)
  assert.equal(sampleValue(r.body, 'ferry_requests_total', { app, code: '1xx' }), 1)
  assert.equal(sampleValue(r.body, 'ferry_requests_total', { app, code: 'none' }), 0)
  assert.equal(sampleValue(r.body, 'ferry_request_duration_seconds_count', { app }), 6)
  assert.equal(sampleValue(r.body, 'ferry_request_duration_seconds_bucket', { app, le: '+Inf' }), 6)
  assert.equal(sampleValue(r.body, 'ferry_processes', { app, state: 'ready' }), 1)
  assert.equal(sampleValue(r.body, 'ferry_spawns_total', { app }), 1)
  const pid = /app process (\d+) of .* is ready/.exec(f.output())![1]!
  assert.ok(sampleValue(r.body, 'ferry_process_resident_memory_bytes', { app, pid })! > 1024 * 1024, 'the app process\'s memory, read from /proc')
  assert.ok(sampleValue(r.body, 'ferry_process_cpu_seconds_total', { app, pid }) !== undefined)
  assert.equal(sampleValue(r.body, 'ferry_turbocache_misses_total', {}), 5, 'the five GETs were looked up')

  assert.equal((await get(`${m}/nope`)).status, 404)
  assert.equal((await get(`${m}/metrics`, { method: 'POST', body: '' })).status, 405)
})

test('/readyz answers 503 with the reason while the app cannot start a process; /healthz stays 200', async t => {
  const app = realpathSync(fixtureApp('crashing'))
  const f = await startCore(t, app, ['--metrics-address', '127.0.0.1:0'])
  const m = await metricsUrl(f)
  let last = await get(`${m}/readyz`)
  // Before the first spawn has failed it is 503 too ("starting"); wait for the failure to be the reason.
  await waitFor(async () => { last = await get(`${m}/readyz`); return /cannot start a process/.test(last.body) }, 10_000, 'a readiness reason naming the spawn failure')
  assert.equal(last.status, 503)
  assert.match(last.body, new RegExp(`^not ready: ${app.replace(/[/.]/g, '\\$&')} cannot start a process: .+\\n$`))
  assert.equal((await get(`${m}/healthz`)).status, 200, 'the core itself is alive')
  const metrics = (await get(`${m}/metrics`)).body
  assert.ok(sampleValue(metrics, 'ferry_spawn_failures_total', { app })! >= 1, metrics)
  assert.equal(sampleValue(metrics, 'ferry_processes', { app, state: 'ready' }), 0)
})
