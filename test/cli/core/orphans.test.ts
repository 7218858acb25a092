// App processes die with their core however it dies: SIGKILL to the watchdog and then the core leaves no app, and
// nothing the app started in its process group, running under PID 1 (the lifeline in src/core/spawn/child.ts).
import { test } from 'node:test'
import { readFileSync } from 'node:fs'
import assert from 'node:assert/strict'
import { fixtureApp } from '../../helpers/tmp.js'
import { startFerry, type RunningFerry } from '../../helpers/ferry.js'
import { get } from '../../helpers/http.js'
import { childPids, isAlive, waitFor } from '../../helpers/procs.js'

const NODE = JSON.stringify(process.execPath)

function readComm (pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() } catch { return '' }
}

/** The generic app's PID and the `sleep` it started in its process group. */
async function appAndHelper (f: RunningFerry, cleanup: number[]): Promise<[number, number]> {
  const app = Number((await get(`${f.url}/pid`)).body)
  const helper = childPids(app).find(p => readComm(p) === 'sleep')
  assert.ok(helper !== undefined, 'the app started its sleep')
  cleanup.push(app, helper)
  return [app, helper]
}

test('an app that exits leaves nothing of its group behind; watchdog and core SIGKILLed take the app with them', async t => {
  const cleanup: number[] = []
  t.after(() => { for (const p of cleanup) { try { process.kill(p, 'SIGKILL') } catch {} } })
  // The shell starts a `sleep` in the app's process group, then becomes the app.
  const command = `sh -c 'sleep 300 & exec ${NODE} server.js'`
  const f = await startFerry(t, fixtureApp('generic'), ['--app-type', 'generic', '--app-start-command', command])

  const [first, firstHelper] = await appAndHelper(f, cleanup)
  process.kill(first, 'SIGKILL')
  await waitFor(() => !isAlive(firstHelper), 5_000, 'the sleep the dead app left to be ended')

  const [app, helper] = await appAndHelper(f, cleanup)
  process.kill(f.proc.pid!, 'SIGKILL')
  process.kill(f.corePid, 'SIGKILL')
  await waitFor(() => !isAlive(app) && !isAlive(helper), 5_000, 'the app and its child to die with the core')
})
