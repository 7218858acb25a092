// Attacks from an app's code on the core through the loader's channel (fd 3): the app process is killed, and the
// proof that the core is not is its own process, still the same: so these start Ferry as a user does (the rest of the
// loader attacks run on the in-process core, in test/integration/languages/attack.test.ts).
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { tmpDir } from '../../helpers/tmp.js'
import { logged, startFerry, type RunningFerry } from '../../helpers/ferry.js'
import { get } from '../../helpers/http.js'
import { waitFor } from '../../helpers/procs.js'
import { missing, pythonWith } from '../../helpers/languages.js'

const python = pythonWith()

/** A WSGI app whose /write?kind= writes on fd 3 (the loader's channel to the core) what an attacker would. */
const CHANNEL_WRITER = `import os, select
def application(environ, start_response):
    kind = environ.get('QUERY_STRING', '')
    if kind == 'kind=garbage':
        os.write(3, b'not json\\n')
    elif kind == 'kind=endless':
        left = 150 * 65536
        while left > 0:
            select.select([], [3], [])
            try:
                left -= os.write(3, b'x' * min(left, 65536))
            except BlockingIOError:
                pass
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [str(os.getpid()).encode()]
`

/** Ferry serving CHANNEL_WRITER, and the pid of the process that first answers. */
async function startChannelWriter (t: TestContext): Promise<{ f: RunningFerry, before: number }> {
  const dir = tmpDir(t)
  writeFileSync(join(dir, 'passenger_wsgi.py'), CHANNEL_WRITER)
  const f = await startFerry(t, dir, ['--python', python!])
  return { f, before: Number((await get(`${f.url}/`)).body) }
}

describe('attacks from a Python app on the core', { skip: missing(python, 'python3') }, () => {
  test('a line that is not JSON on the channel kills that app process, not the core (every app of the instance)', async (t: TestContext) => {
    const { f, before } = await startChannelWriter(t)
    await get(`${f.url}/?kind=garbage`).catch(() => undefined)
    await logged(f, /wrote a message that is not JSON/, 'the kill of the process')
    const after = Number((await get(`${f.url}/`)).body)
    assert.notEqual(after, before, 'a new process serves')
    assert.doesNotMatch(f.output(), /crashed|SyntaxError/)
    process.kill(f.corePid, 0) // the same core still runs
  })

  test('a channel line that never ends (9.4 MiB) kills that app process instead of growing the core', async (t: TestContext) => {
    const { f, before } = await startChannelWriter(t)
    await get(`${f.url}/?kind=endless`).catch(() => undefined)
    await logged(f, /wrote a message longer than/, 'the kill of the process')
    await waitFor(async () => Number((await get(`${f.url}/`)).body) !== before, 5000, 'a new process to serve')
    process.kill(f.corePid, 0)
  })
})

test('a Node app writing a non-JSON line on fd 3 (its IPC channel) is killed; the core goes on', async (t: TestContext) => {
  const dir = tmpDir(t)
  writeFileSync(join(dir, 'app.js'), `const { writeSync } = require('node:fs')
require('node:http').createServer((req, res) => {
  if (req.url === '/garbage') writeSync(3, 'not json\\n')
  res.end(String(process.pid))
}).listen(3000)
`)
  const f = await startFerry(t, dir)
  const before = Number((await get(`${f.url}/`)).body)
  await get(`${f.url}/garbage`).catch(() => undefined)
  await logged(f, /wrote a message that is not JSON/, 'the kill of the process')
  assert.notEqual(Number((await get(`${f.url}/`)).body), before)
  assert.doesNotMatch(f.output(), /crashed|SyntaxError/)
  process.kill(f.corePid, 0)
})
