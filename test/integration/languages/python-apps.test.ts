// Python (WSGI) apps served by a real Ferry core: detection, Flask, load-time errors. The lab app (50 MB bodies both
// ways, growth under load, status / memory-stats listing the processes) is in test/cli/languages/python-lab.test.ts.
import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { fixtureApp } from '../../helpers/tmp.js'
import { startCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'
import { missing, pythonWith } from '../../helpers/languages.js'

const python = pythonWith()
const flaskPython = pythonWith('flask')

describe('Python apps under Ferry', { skip: missing(python, 'python3') }, () => {
  test('a load-time exception is a spawn error: the traceback in development, nothing in production', async (t: TestContext) => {
    const [dev, prod] = await Promise.all([
      startCore(t, fixtureApp('wsgi-crashing'), ['--python', python!, '--environment', 'development']),
      startCore(t, fixtureApp('wsgi-crashing'), ['--python', python!])
    ])
    const [page, plain] = await Promise.all([get(`${dev.url}/`), get(`${prod.url}/`)])
    assert.equal(page.status, 500)
    assert.match(page.body, /RuntimeError: missing DATABASE_URL/)
    assert.match(page.body, /Traceback/)
    assert.equal(plain.status, 500)
    assert.doesNotMatch(plain.body, /DATABASE_URL|Traceback/)
  })

  test('a Flask app (--app-type python --startup-file app.py, exposing app): forms, and a 500 that leaves it serving', { skip: missing(flaskPython, 'python3-flask') }, async (t: TestContext) => {
    const f = await startCore(t, fixtureApp('flask-hello'), ['--app-type', 'python', '--startup-file', 'app.py', '--python', flaskPython!])
    assert.match((await get(`${f.url}/`)).body, /^hello from flask \d+\n$/)
    const form = await get(`${f.url}/form`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=ferry' })
    assert.equal(form.body, 'name=ferry')
    assert.equal((await get(`${f.url}/boom`)).status, 500)
    assert.equal((await get(`${f.url}/pid`)).status, 200)
    await waitFor(() => /RuntimeError: boom in a flask view/.test(f.output()), 5000, 'the traceback in the log')
  })
})
