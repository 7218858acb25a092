// A sticky-sessions cookie that cannot be written (its name holds a character no header may) is the setup's mistake,
// not the app's: every request gets the same 500 and the same actionable log line, whichever front read it (plain
// GETs are read by the lean front, anything else by node's HTTP server).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { logged } from '../../helpers/ferry.js'
import { startCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'

test('a sticky cookie name no header may hold: 500 and E_STICKY_COOKIE_INVALID on both fronts, never the app blamed', async t => {
  const f = await startCore(t, fixtureApp('hello'), ['--sticky-sessions', '--sticky-sessions-cookie-name', 'a\x01b',
    '--instance-registry-dir', tmpDir(t)])
  const lean = await get(`${f.url}/`)
  const parsed = await get(`${f.url}/`, { method: 'POST', body: 'x' })
  assert.equal(lean.status, 500, 'GET (lean front)')
  assert.equal(parsed.status, 500, 'POST (node\'s HTTP server)')
  await logged(f, /the sticky-session cookie holds a character not allowed in a header: change --sticky-sessions-cookie-name/)
})
