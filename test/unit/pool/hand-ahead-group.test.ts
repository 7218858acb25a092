// Hand-ahead as the group applies it (hand-ahead.ts's HandAhead), on the fake clock (test/helpers/fake-clock.ts):
// its choice goes by when each process's current request began, to the millisecond, and a stuck process holding a
// request handed ahead is killed at once. pickHandAhead's own table is in hand-ahead.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { HAND_AHEAD_LIMIT_MS } from '../../../src/core/pool/hand-ahead.js'
import { FakeClock, poolOnClock, settle } from '../../helpers/fake-clock.js'
import { app, scriptedLoader, settings } from '../../helpers/scripted-loader.js'

/** A loader whose processes serve one request at a time themselves, as the Python and Ruby loaders do. */
const oneAtATimeLoader = (): ReturnType<typeof scriptedLoader> => Object.assign(scriptedLoader([]), { concurrency: 1 })
const full = { ...settings, minInstances: 2, maxInstances: 2, concurrency: 1, handAhead: true }

test('hand-ahead goes by the clock: to the process whose request began first, never behind one that has run the limit', async t => {
  const clock = new FakeClock()
  const pool = poolOnClock(clock, oneAtATimeLoader(), 2)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, full)
  await settle()
  const a = g.checkout()!
  await clock.advance(5)
  const b = g.checkout()!
  assert.notEqual(a, b)
  await clock.advance(HAND_AHEAD_LIMIT_MS - 5 - 1)
  assert.equal(await g.acquire(undefined, undefined, true), a, `a's request began ${HAND_AHEAD_LIMIT_MS - 1} ms ago, before b's`)
  assert.equal(a.sessions, 2)
  g.release(a)
  assert.equal(a.sessions, 1, 'a moved on to the request handed to it')
  await clock.advance(HAND_AHEAD_LIMIT_MS - 1)
  // b's request has now run the limit; a's (begun at its release) has not.
  assert.equal(await g.acquire(undefined, undefined, true), a)
  g.release(a)
  await clock.advance(HAND_AHEAD_LIMIT_MS)
  const queued = g.acquire(undefined, undefined, true)
  assert.equal(g.queue.length, 1, 'both requests have run the limit: it waits in the queue')
  assert.deepEqual([a.sessions, b.sessions], [1, 1])
  g.release(b)
  assert.equal(await queued, b, 'and goes to the first process free')
  g.release(a)
  g.release(b)
})

test('hand-ahead: a request cut short keeps the start of the one the process still executes, until it has none', async t => {
  const clock = new FakeClock()
  const pool = poolOnClock(clock, oneAtATimeLoader(), 2)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...full, minInstances: 1, maxInstances: 1 })
  await settle()
  const a = g.checkout()!
  const begun = clock.ms
  await clock.advance(5)
  assert.equal(await g.acquire(undefined, undefined, true), a)
  await clock.advance(5)
  g.release(a, false, new Error('cut short by the core'))
  assert.equal(a.lastUsed, begun, 'the request handed ahead may not have begun: the clock stays')
  await clock.advance(5)
  g.release(a)
  assert.equal(a.lastUsed, clock.ms, 'idle: the clock is the end of its last request')
})

test('a stuck process holding a request handed ahead is killed at once; with none, once its request ends', async t => {
  const clock = new FakeClock()
  const loader = oneAtATimeLoader()
  const pool = poolOnClock(clock, loader, 2)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, full)
  await settle()
  const a = g.checkout()!
  const b = g.checkout()!
  assert.equal(await g.acquire(undefined, undefined, true), a)
  const [sa, sb] = [loader.spawned.find(s => s.pid === a.pid)!, loader.spawned.find(s => s.pid === b.pid)!]
  g.abandon(a)
  assert.equal(sa.killed, true, 'its loader would never begin the request waiting there')
  g.abandon(b)
  assert.equal(sb.killed, false, 'no request waits at it: killed once its own ends')
  g.release(b)
  assert.equal(sb.killed, true)
})
