// A spawn error in development as `ferry start` shows it: the error page, and the banner's warning that the app
// failed to start (the CLI prints it). The other spawn-error tests run on the in-process core in
// test/integration/core/spawn-errors.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp } from '../../helpers/tmp.js'
import { startFerry, logged } from '../../helpers/ferry.js'
import { get } from '../../helpers/http.js'

test('spawn error in development: 500 page with the app output and the command', async t => {
  const f = await startFerry(t, fixtureApp('crashing'), ['--environment', 'development'])
  const r = await get(`${f.url}/`)
  assert.equal(r.status, 500)
  assert.match(r.body, /boom at startup/)
  assert.match(r.body, /Command/)
  await logged(f, /boom at startup/, 'the output is logged too')
  await logged(f, /The app failed to start/, 'the banner warns') // the CLI's banner: this test keeps startFerry
})
