// Attacks on the --metrics-address listener from a client that can reach it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { startCore } from '../../helpers/core.js'
import { fixtureApp } from '../../helpers/tmp.js'
import { metricsUrl } from './helpers.js'

test('40 connections holding half-sent requests (slowloris) do not keep a liveness probe out of /healthz', async t => {
  const f = await startCore(t, fixtureApp('hello'), ['--metrics-address', '127.0.0.1:0'])
  const m = new URL(await metricsUrl(f))
  const held: Socket[] = []
  t.after(() => { for (const s of held) s.destroy() })
  for (let i = 0; i < 40; i++) {
    const s = connect(Number(m.port), m.hostname)
    s.on('error', () => {})
    await once(s, 'connect')
    s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n') // never finished
    held.push(s)
  }
  // Well under the listener's 10 s header timeout: the probe must get in while they are held.
  const r = await fetch(`${m.origin}/healthz`, { signal: AbortSignal.timeout(5000) })
  assert.equal(r.status, 200)
  assert.equal(await r.text(), 'ok\n')
})
