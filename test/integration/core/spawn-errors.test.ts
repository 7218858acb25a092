import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp } from '../../helpers/tmp.js'
import { logged } from '../../helpers/ferry.js'
import { startCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'

test('spawn error in production: a plain 500 page that leaks nothing', async t => {
  const f = await startCore(t, fixtureApp('crashing'))
  const r = await get(`${f.url}/`)
  assert.equal(r.status, 500)
  assert.doesNotMatch(r.body, /boom|node|crashing/i)
  assert.match(r.body, /Error ID: <code>[0-9a-f]{8}<\/code>/)
  // Repeated crashes back off: the log shows the next attempt is scheduled, not immediate.
  await logged(f, /next attempt for .* in \d+ ms/)
})

test('a generic app started with --app-start-command', async t => {
  const f = await startCore(t, fixtureApp('generic'), ['--app-start-command', 'node server.js'])
  const r = await get(`${f.url}/`)
  assert.equal(r.status, 200)
})

test('--friendly-error-pages shows details in production; --no-friendly-error-pages hides them in development', async t => {
  const on = await startCore(t, fixtureApp('crashing'), ['--friendly-error-pages'])
  assert.match((await get(`${on.url}/`)).body, /boom at startup/)
  const off = await startCore(t, fixtureApp('crashing'), ['--environment', 'development', '--no-friendly-error-pages'])
  assert.doesNotMatch((await get(`${off.url}/`)).body, /boom at startup/)
})
