// Request collapsing's bookkeeping: waiters are bounded per key and in total, a waiter whose client left is dropped,
// settling happens once, and a key whose answer could not be stored is not collapsed for a while.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { FOLLOW_TIMEOUT_MS, Fills, MAX_WAITERS, MAX_WAITERS_PER_KEY, UNCOLLAPSED_MS } from '../../../src/core/server/cache-fills.js'
import type { ResponseSink } from '../../../src/core/server/exchange-types.js'

/** The part of a response a waiter uses: its close event and whether it is gone. */
class Client extends EventEmitter {
  destroyed = false
  leave (): void { this.destroyed = true; this.emit('close') }
}
const sink = (c: Client): ResponseSink => c as unknown as ResponseSink

test('waiters resume once with the outcome; one whose client left is dropped', () => {
  const fills = new Fills(() => 0)
  const fill = fills.lead('k')!
  assert.equal(fills.inFlight('k'), fill)
  const seen: Array<[number, boolean]> = []
  const clients = [new Client(), new Client(), new Client()]
  clients.forEach((c, i) => fill.wait(sink(c), stored => seen.push([i, stored])))
  assert.equal(fills.waiting, 3)
  clients[1]!.leave()
  assert.equal(fills.waiting, 2)
  fill.settle(true)
  fill.settle(false)
  assert.deepEqual(seen, [[0, true], [2, true]])
  assert.equal(fills.waiting, 0)
  assert.equal(fills.inFlight('k'), undefined)
  assert.equal(clients[0]!.listenerCount('close'), 0, 'no listener is left behind')
})

test('waiters are bounded per key and in total', () => {
  const fills = new Fills(() => 0)
  const fill = fills.lead('k')!
  for (let i = 0; i < MAX_WAITERS_PER_KEY; i++) fill.wait(sink(new Client()), () => {})
  assert.equal(fill.hasRoom, false)
  let n = MAX_WAITERS_PER_KEY
  for (let k = 0; n < MAX_WAITERS; k++) {
    const other = fills.lead(`k${k}`)!
    while (other.hasRoom && n < MAX_WAITERS) { other.wait(sink(new Client()), () => {}); n++ }
  }
  assert.equal(fills.lead('last')!.hasRoom, false, 'the total bound holds for a new key too')
  fill.settle(false)
  assert.equal(fills.waiting, MAX_WAITERS - MAX_WAITERS_PER_KEY)
  assert.equal(fills.lead('again')!.hasRoom, true)
})

test('an answer that could not be stored leaves its key uncollapsed for a while', () => {
  let now = 1000
  const fills = new Fills(() => now)
  fills.lead('k')!.settle(false, true)
  assert.equal(fills.lead('k'), undefined)
  now += UNCOLLAPSED_MS
  const again = fills.lead('k')
  assert.ok(again !== undefined)
  again.settle(false)
  assert.ok(fills.lead('k') !== undefined, 'a failure (not a refusal) marks nothing')
})

test('waiters are released after FOLLOW_TIMEOUT_MS (from the first one) when the leader has not settled', t => {
  t.mock.timers.enable({ apis: ['setTimeout'] })
  const fills = new Fills(() => 0)
  const fill = fills.lead('k')!
  const seen: boolean[] = []
  fill.wait(sink(new Client()), stored => seen.push(stored))
  t.mock.timers.tick(FOLLOW_TIMEOUT_MS - 1)
  fill.wait(sink(new Client()), stored => seen.push(stored))
  assert.deepEqual(seen, [])
  t.mock.timers.tick(1)
  assert.deepEqual(seen, [false, false], 'both go to the app themselves')
  assert.equal(fills.inFlight('k'), undefined, 'the next miss leads anew')
  assert.equal(fills.waiting, 0)
  fill.settle(true)
  assert.deepEqual(seen, [false, false], 'the leader settling later changes nothing')
  assert.notEqual(fills.lead('k'), undefined, 'and the key is not marked uncacheable')
})

test('passes: a key whose answer could not be stored goes unrecorded until UNCOLLAPSED_MS has passed (hit-for-pass)', () => {
  let now = 1_000
  const fills = new Fills(() => now)
  assert.equal(fills.passes('k'), false, 'nothing known: recorded')
  fills.lead('k')!.settle(false, true)
  assert.equal(fills.passes('k'), true)
  assert.equal(fills.passes('other'), false)
  now += UNCOLLAPSED_MS - 1
  assert.equal(fills.passes('k'), true)
  now += 1
  assert.equal(fills.passes('k'), false, 'the mark ends by itself')
  const stored = new Fills(() => now)
  stored.lead('s')!.settle(true)
  assert.equal(stored.passes('s'), false, 'a stored answer sets no mark')
  stored.lead('f')!.settle(false)
  assert.equal(stored.passes('f'), false, 'nor does a failure (an error, a client gone)')
})
