// App processes die with their core however it dies: SIGKILL to the watchdog and then the core leaves no app, and
// nothing the app started in its process group, running under PID 1 (the lifeline in src/core/spawn/child.ts).
import { test } from 'node:test'
import { readFileSync } from 'node:fs'
import assert from 'node:assert/strict'
import { fixtureApp } from '../../helpers/tmp.js'
import { startFerry } from '../../helpers/ferry.js'
import { get } from '../../helpers/http.js'
import { childPids, isAlive, waitFor } from '../../helpers/procs.js'

const NODE = JSON.stringify(process.execPath)

test('watchdog and core SIGKILLed: the generic app and the child it started die too', async t => {
  // The shell starts a `sleep` in the app's process group, then becomes the app.
  const command = `sh -c 'sleep 300 & exec ${NODE} server.js'`
  const f = await startFerry(t, fixtureApp('generic'), ['--app-type', 'generic', '--app-start-command', command])
  const appPid = Number((await get(`${f.url}/pid`)).body)
  const helper = childPids(appPid).find(p => /^sleep/.test(readComm(p)))
  assert.ok(helper !== undefined, 'the app started its sleep')
  t.after(() => { for (const p of [appPid, helper]) { try { process.kill(p, 'SIGKILL') } catch {} } })
  process.kill(f.proc.pid!, 'SIGKILL')
  process.kill(f.corePid, 'SIGKILL')
  await waitFor(() => !isAlive(appPid) && !isAlive(helper), 5_000, 'the app and its child to die with the core')
})

test('an app that exits leaves nothing of its process group behind', async t => {
  const command = `sh -c 'sleep 300 & exec ${NODE} server.js'`
  const f = await startFerry(t, fixtureApp('generic'), ['--app-type', 'generic', '--app-start-command', command])
  const appPid = Number((await get(`${f.url}/pid`)).body)
  const helper = childPids(appPid).find(p => /^sleep/.test(readComm(p)))
  assert.ok(helper !== undefined, 'the app started its sleep')
  t.after(() => { try { process.kill(helper, 'SIGKILL') } catch {} })
  process.kill(appPid, 'SIGKILL')
  await waitFor(() => !isAlive(helper), 5_000, 'the sleep the dead app left to be ended')
})

function readComm (pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() } catch { return '' }
}
