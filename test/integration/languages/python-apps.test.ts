// Python (WSGI) apps served by a real Ferry: detection, Flask, 50 MB bodies both ways, load-time errors, growth
// under load, and status / memory-stats listing the processes.
import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { request } from 'undici'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry } from '../../helpers/ferry.js'
import { get, getJson } from '../../helpers/http.js'
import { childPids, peakRss, waitFor } from '../../helpers/procs.js'
import { runCli } from '../../helpers/cli.js'
import { missing, pythonWith } from '../../helpers/languages.js'

const python = pythonWith()
const flaskPython = pythonWith('flask')
const MB = 1024 * 1024

describe('Python apps under Ferry', { skip: missing(python, 'python3') }, () => {
  test('50 MB upload and download pass through a WSGI app without it holding them whole; out-of-band work on request; growth under load, listed by status and memory-stats', async (t: TestContext) => {
    const env = { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) }
    const f = await startFerry(t, fixtureApp('wsgi-lab'), ['--python', python!, '--max-pool-size', '3'], env)
    const pid = Number((await get(`${f.url}/pid`)).body)
    const upload = await request(`${f.url}/count`, { method: 'POST', body: Buffer.alloc(50 * MB, 'u') })
    const counted = await upload.body.json() as { bytes: number, maxrss_kb: number }
    assert.equal(counted.bytes, 50 * MB)
    assert.ok(counted.maxrss_kb < 40_000, `the app's peak RSS was ${counted.maxrss_kb} kB`)
    const download = await request(`${f.url}/download?mb=50`)
    let bytes = 0
    for await (const chunk of download.body) bytes += (chunk as Buffer).length
    assert.equal(bytes, 50 * MB)
    assert.ok(peakRss(pid) < 40 * MB, `the app's peak RSS was ${peakRss(pid)} bytes`)
    // Out-of-band work the app asks for with X-Ferry-OOB-Work: the core takes the process out of rotation and the
    // loader runs the hook the app registered.
    await get(`${f.url}/oob-hook`)
    const asked = await get(`${f.url}/ask-oob`)
    assert.equal(asked.headers['x-ferry-oob-work'], undefined, 'the header is for Ferry, not the client')
    await waitFor(async () => (await get(`${f.url}/oob-runs`)).body === '1', 5000, 'the out-of-band work hook to run')
    // One request at a time per process: concurrent requests make the pool grow, up to --max-pool-size.
    const pids = new Set(await Promise.all(Array.from({ length: 6 }, async () => (await getJson<{ pid: number }>(`${f.url}/slow?ms=500`)).pid)))
    assert.ok(pids.size >= 2, `load was served by ${pids.size} process(es)`)
    assert.ok(childPids(f.corePid).length <= 3)
    const [status, stats] = await Promise.all([runCli(['status'], { env }), runCli(['memory-stats'])])
    assert.equal(status.code, 0, status.stderr)
    for (const pid of pids) assert.match(status.stdout, new RegExp(`\\* PID: ${pid} `))
    for (const pid of pids) assert.match(stats.stdout, new RegExp(`\\n${pid} .*Ferry PythonApp: ${fixtureApp('wsgi-lab')}\\n`))
  })

  test('a load-time exception is a spawn error: the traceback in development, nothing in production', async (t: TestContext) => {
    const [dev, prod] = await Promise.all([
      startFerry(t, fixtureApp('wsgi-crashing'), ['--python', python!, '--environment', 'development']),
      startFerry(t, fixtureApp('wsgi-crashing'), ['--python', python!])
    ])
    const [page, plain] = await Promise.all([get(`${dev.url}/`), get(`${prod.url}/`)])
    assert.equal(page.status, 500)
    assert.match(page.body, /RuntimeError: missing DATABASE_URL/)
    assert.match(page.body, /Traceback/)
    assert.equal(plain.status, 500)
    assert.doesNotMatch(plain.body, /DATABASE_URL|Traceback/)
  })

  test('a Flask app (--app-type python --startup-file app.py, exposing app): forms, and a 500 that leaves it serving', { skip: missing(flaskPython, 'python3-flask') }, async (t: TestContext) => {
    const f = await startFerry(t, fixtureApp('flask-hello'), ['--app-type', 'python', '--startup-file', 'app.py', '--python', flaskPython!])
    assert.match((await get(`${f.url}/`)).body, /^hello from flask \d+\n$/)
    const form = await get(`${f.url}/form`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=ferry' })
    assert.equal(form.body, 'name=ferry')
    assert.equal((await get(`${f.url}/boom`)).status, 500)
    assert.equal((await get(`${f.url}/pid`)).status, 200)
    await waitFor(() => /RuntimeError: boom in a flask view/.test(f.output()), 5000, 'the traceback in the log')
  })
})
