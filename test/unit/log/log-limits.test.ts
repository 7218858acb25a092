import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { OutputBudget } from '../../../src/core/log/output-budget.js'
import { RepeatSummary } from '../../../src/core/log/repeats.js'
import { createLogger } from '../../../src/core/log/logger.js'
import { FdWriter } from '../../../src/core/log/fd-writer.js'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from '../../helpers/tmp.js'

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

test('FdWriter: writes in the background, drops past its bound and says so, and follows a switch to a new file', async t => {
  const dir = tmpDir(t, 'fy-log-')
  const first = join(dir, 'a.log')
  const second = join(dir, 'b.log')
  const w = new FdWriter(openSync(first, 'a'), { maxQueuedBytes: 100, droppedLine: (lines, bytes) => `dropped ${lines}/${bytes}\n` })
  // The first write starts at once (the queue empties into it); the next ones queue up to 100 bytes.
  const accepted = Array.from({ length: 30 }, (_, i) => w.write(`line ${String(i).padStart(2, '0')}\n`))
  assert.ok(accepted.includes(false), 'past the bound, write() refuses at once rather than wait')
  // Bounded, so that a writer that never gets there fails the test instead of hanging the suite.
  const until = async (pred: () => boolean): Promise<void> => {
    const deadline = Date.now() + 10_000
    while (!pred()) { assert.ok(Date.now() < deadline, 'the writer never got there'); await delay(5) }
  }
  await until(() => readFileSync(first, 'utf8').includes('dropped'))
  const text = readFileSync(first, 'utf8')
  const kept = text.split('\n').filter(l => l.startsWith('line ')).length
  const m = /dropped (\d+)\/(\d+)/.exec(text)!
  assert.equal(kept + Number(m[1]), 30, 'every line is either written or counted')
  assert.equal(Number(m[2]), Number(m[1]) * 8)
  w.switchTo(openSync(second, 'a'), old => closeSync(old))
  w.write('after the switch\n')
  await until(() => readFileSync(second, 'utf8') === 'after the switch\n')
  assert.doesNotMatch(readFileSync(first, 'utf8'), /after the switch/)
  // One write goes out in the background; what queues behind it is written by flushSync before it returns.
  w.write('in flight\n')
  w.write('queued at exit\n')
  w.flushSync()
  assert.match(readFileSync(second, 'utf8'), /queued at exit\n/)
})

test('FdWriter: a line written after a switch goes to the new file even while a write to the old one is in flight', async t => {
  const dir = tmpDir(t, 'fy-log-')
  const [first, second] = [join(dir, 'a.log'), join(dir, 'b.log')]
  const w = new FdWriter(openSync(first, 'a'), { droppedLine: () => '' })
  w.write('before\n') // in flight from here on: the write callback cannot have run yet
  let retired = false
  w.switchTo(openSync(second, 'a'), old => { closeSync(old); retired = true })
  w.write('after\n')
  const deadline = Date.now() + 10_000
  while (!(retired && readFileSync(second, 'utf8') === 'after\n')) {
    assert.ok(Date.now() < deadline, `a.log ${JSON.stringify(readFileSync(first, 'utf8'))}, b.log ${JSON.stringify(readFileSync(second, 'utf8'))}`)
    await delay(5)
  }
  assert.equal(readFileSync(first, 'utf8'), 'before\n')
})
