import { test } from 'node:test'
import assert from 'node:assert/strict'
import { HAND_AHEAD_LIMIT_MS, pickHandAhead, type HandAheadCandidate } from '../../../src/core/pool/hand-ahead.js'

const NOW = 1_000_000
const p = (sessions: number, startedMsAgo: number, state = 'ready', concurrency = 1, processed = 0): HandAheadCandidate => ({ sessions, concurrency, state, lastUsed: NOW - startedMsAgo, processed })

test('a request is handed to the process whose young request began first: the likeliest to finish first', () => {
  const list = [p(1, 2), p(1, 5), p(1, 1)]
  assert.equal(pickHandAhead(list, NOW), list[1])
})

test('never behind a request that has run the limit already (likely slow): it then waits in the core\'s queue', () => {
  const list = [p(1, HAND_AHEAD_LIMIT_MS), p(1, 500)]
  assert.equal(pickHandAhead(list, NOW), undefined)
  const young = p(1, HAND_AHEAD_LIMIT_MS - 1)
  assert.equal(pickHandAhead([...list, young], NOW), young)
})

test('at most one request ahead; only ready processes that serve one at a time', () => {
  assert.equal(pickHandAhead([p(2, 1), p(0, 1)], NOW), undefined, 'one ahead already; a free process is not for hand-ahead')
  assert.equal(pickHandAhead([p(1, 1, 'oob'), p(1, 1, 'stopping')], NOW), undefined)
  assert.equal(pickHandAhead([p(1, 1, 'ready', 0), p(1, 1, 'ready', 2)], NOW), undefined, 'Node apps and --concurrency 2 take several themselves')
})

test('never to a process whose current request is its last (--max-requests): it would serve one more than allowed', () => {
  const last = p(1, 1, 'ready', 1, 2)
  assert.equal(pickHandAhead([last], NOW, 3), undefined, 'its 3rd request runs: it is replaced after it')
  assert.equal(pickHandAhead([last], NOW, 4), last)
  assert.equal(pickHandAhead([last], NOW, 0), last, '0: no limit')
})
