// Requests refused because the group stopped (Ferry shutting down, or the app removed) say so by their own code,
// not as a full queue: an operator reading the log or the client's error page should not go looking for load.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FerryError } from '../../../src/core/errors.js'
import { app, poolWith, scriptedLoader, settings, tick } from '../../helpers/scripted-loader.js'

const refusedWith = (code: string) => (err: FerryError): boolean => {
  assert.equal(err.code, code)
  assert.equal(err.httpStatus, 503, 'a client is told to retry, as for a full queue')
  return true
}

/** A group of one process, busy, with one request queued behind it. */
async function oneBusyOneQueued () {
  const pool = poolWith(scriptedLoader([]), 1)
  const g = pool.addGroup(app, { ...settings, concurrency: 1 })
  await tick()
  const busy = g.checkout()!
  return { pool, g, busy, queued: g.acquire() }
}

test('shutting down: queued and later requests get E_SHUTTING_DOWN (503)', async () => {
  const { pool, g, busy, queued } = await oneBusyOneQueued()
  const stopping = pool.stop(0)
  await assert.rejects(queued, refusedWith('E_SHUTTING_DOWN'))
  await assert.rejects(g.acquire(), refusedWith('E_SHUTTING_DOWN'))
  await assert.rejects(g.acquire(), /shutting down/)
  g.release(busy)
  await stopping
})

test('app removed: queued and later requests get E_APP_REMOVED (503), naming the app', async () => {
  const { pool, g, busy, queued } = await oneBusyOneQueued()
  const removing = pool.removeGroup(g.name)
  await assert.rejects(queued, refusedWith('E_APP_REMOVED'))
  await assert.rejects(g.acquire(), (err: FerryError) => err.code === 'E_APP_REMOVED' && /\/app was removed/.test(err.message))
  g.release(busy)
  await removing
  assert.equal(pool.groups.size, 0)
})
