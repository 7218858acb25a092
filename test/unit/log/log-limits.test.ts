import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { OutputBudget } from '../../../src/core/log/output-budget.js'
import { RepeatSummary } from '../../../src/core/log/repeats.js'
import { createLogger } from '../../../src/core/log/logger.js'

test('OutputBudget: a burst at once, then the rate; what is over it is counted once', () => {
  let now = 1_000_000
  const budget = new OutputBudget(() => now)
  const limit = { bytesPerSecond: 100, burstBytes: 300 }
  assert.equal(budget.take(200, limit), true)
  assert.equal(budget.take(100, limit), true)
  assert.equal(budget.take(1, limit), false)
  assert.equal(budget.take(50, limit), false)
  assert.deepEqual(budget.takeDropped(), { lines: 2, bytes: 51, sinceMs: 1_000_000 })
  assert.equal(budget.takeDropped(), undefined)
  now += 500
  assert.equal(budget.take(50, limit), true)
  assert.equal(budget.take(1, limit), false)
  now += 60_000
  assert.equal(budget.take(300, limit), true, 'refilled up to the burst, never beyond')
  assert.equal(budget.take(1, limit), false)
  assert.equal(budget.take(1_000_000, undefined), true, 'no limit')
  assert.equal(budget.take(1_000_000, { bytesPerSecond: 0, burstBytes: 1 }), true, 'rate 0 = no limit')
})

test('RepeatSummary: a repeated key is logged once, then summarised each window while it repeats', async () => {
  const out: string[] = []
  const r = new RepeatSummary((_level, text) => out.push(text), 60)
  assert.equal(r.admit(1, 'boom'), true)
  assert.equal(r.admit(1, 'boom'), false)
  assert.equal(r.admit(1, 'other'), true)
  assert.equal(r.admit(1, 'boom'), false)
  await delay(100)
  assert.deepEqual(out, ['last message repeated 2 times in 1 s: boom'])
  await delay(150)
  assert.equal(out.length, 1, 'no summary for a window without repeats')
  assert.equal(r.admit(1, 'boom'), true, 'logged in full again once forgotten')
})

test('the logger summarises repeated errors and warnings by their key, never notices', () => {
  const lines: string[] = []
  const logger = createLogger({ write: l => lines.push(l) }, 'notice')
  logger.error('GET /a: broken (error ID 1)', 'broken')
  logger.error('GET /b: broken (error ID 2)', 'broken')
  logger.warn('careful')
  logger.warn('careful')
  logger.notice('hello')
  logger.notice('hello')
  assert.equal(lines.length, 4)
  assert.match(lines[0]!, /ERROR .*GET \/a: broken \(error ID 1\)/)
  assert.match(lines[1]!, /WARN .*careful/)
})
