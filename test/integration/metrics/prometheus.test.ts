// A real Prometheus (Debian's `prometheus` package; .ci/run installs it) scrapes two Ferry instances; the test asks
// Prometheus's own query API for the request counters the test's traffic moved, per instance.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { accessSync, constants, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { startCore } from '../../helpers/core.js'
import { get, getJson } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { metricsUrl } from './helpers.js'

function onPath (name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try { accessSync(join(dir, name), constants.X_OK); return join(dir, name) } catch {}
  }
  return undefined
}

interface QueryResult { status: string, data: { result: Array<{ metric: Record<string, string>, value: [number, string] }> } }

const prometheus = onPath('prometheus')

test('Prometheus scrapes two instances and its query API shows the requests each one served', {
  skip: prometheus === undefined ? 'prometheus is not installed (apt-get install prometheus; CI installs it)' : false
}, async t => {
  const [a, b] = await Promise.all([
    startCore(t, fixtureApp('hello'), ['--metrics-address', '127.0.0.1:0']),
    startCore(t, fixtureApp('hello-esm'), ['--metrics-address', '127.0.0.1:0'])
  ])
  const targets = [(await metricsUrl(a)).slice('http://'.length), (await metricsUrl(b)).slice('http://'.length)]
  const dir = tmpDir(t)
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: ferry',
    '    static_configs:',
    `      - targets: [${targets.map(x => JSON.stringify(x)).join(', ')}]`,
    ''
  ].join('\n'))
  const proc = spawn(prometheus!, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    '--web.listen-address=127.0.0.1:0', '--log.level=info'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  proc.stderr.on('data', (c: Buffer) => { log += c.toString() })
  const exited = once(proc, 'exit')
  t.after(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  })
  // It binds port 0 and logs the port it got.
  await waitFor(() => /msg="Listening on" address=127\.0\.0\.1:\d+/.test(log) || proc.exitCode !== null, 10_000, 'prometheus listening')
  const api = `http://${/msg="Listening on" address=(127\.0\.0\.1:\d+)/.exec(log)?.[1] ?? assert.fail(`prometheus did not start:\n${log}`)}`

  // Different amounts to each instance, so that one counter cannot pass for the other.
  for (let i = 0; i < 7; i++) assert.equal((await get(`${a.url}/`)).status, 200)
  for (let i = 0; i < 3; i++) assert.equal((await get(`${b.url}/`)).status, 200)

  const query = encodeURIComponent('sum by (instance) (ferry_requests_total{code="2xx"})')
  let seen: Record<string, number> = {}
  await waitFor(async () => {
    const r = await getJson<QueryResult>(`${api}/api/v1/query?query=${query}`)
    seen = Object.fromEntries(r.data.result.map(s => [s.metric.instance!, Number(s.value[1])]))
    return seen[targets[0]!] === 7 && seen[targets[1]!] === 3
  }, 10_000, 'Prometheus to have scraped the requests of both instances').catch(err => {
    throw new Error(`${(err as Error).message}; last query answer: ${JSON.stringify(seen)}\n${log}`)
  })
  assert.deepEqual(seen, { [targets[0]!]: 7, [targets[1]!]: 3 })
  const up = await getJson<QueryResult>(`${api}/api/v1/query?query=up`)
  assert.deepEqual(up.data.result.map(s => s.value[1]), ['1', '1'], 'both targets up: the exposition parsed')
})
