// Connection balance (--bypass): the share arithmetic, and the group telling a process over its share to shed the
// excess on the fake clock: only with two or more accepting processes, never more than the excess, and with a
// cool-down that grows while shedding changes nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BALANCE_DELAY_MS, SHED_COOLDOWN_MS, SHED_MAX_COOLDOWN_MS, excessConnections, fairShare, shareSlack } from '../../../src/core/pool/connection-balance.js'
import { FakeClock, poolOnClock, settle } from '../../helpers/fake-clock.js'
import { app, scriptedLoader, settings, type Scripted, type ScriptedLoader } from '../../helpers/scripted-loader.js'

test('balance arithmetic: the fair share is ceil(total/n); the slack is an eighth of the share, at least 1', () => {
  assert.equal(fairShare(50, 2), 25)
  assert.equal(fairShare(51, 2), 26)
  assert.equal(fairShare(0, 2), 0)
  assert.equal(fairShare(7, 3), 3)
  assert.deepEqual([1, 2, 3, 25, 40, 1000].map(shareSlack), [1, 1, 1, 3, 5, 125])
})

test('balance arithmetic: the excess over the share once beyond the slack, never with one process', () => {
  assert.equal(excessConnections(40, 50, 2), 15, 'sheds down to the share, not to the slack')
  assert.equal(excessConnections(50, 50, 2), 25, 'all of a burst on one process: half go')
  assert.equal(excessConnections(28, 50, 2), 0, 'within the slack')
  assert.equal(excessConnections(29, 50, 2), 4)
  assert.equal(excessConnections(15, 50, 2), 0, 'under its share')
  assert.equal(excessConnections(3, 3, 2), 0, 'a few connections are not worth moving')
  assert.equal(excessConnections(4, 4, 2), 2)
  assert.equal(excessConnections(50, 50, 1), 0, 'one process has nowhere to send them')
  assert.equal(excessConnections(0, 0, 2), 0)
  for (let total = 0; total <= 200; total++) {
    for (let open = 0; open <= total; open++) {
      const k = excessConnections(open, total, 3)
      assert.ok(k >= 0 && k <= open && (k === 0 || open - k === fairShare(total, 3)), `${open} of ${total}: ${k}`)
    }
  }
})

/** Two processes that accept their clients themselves, as the bypass loader's do, whose shed orders are recorded. */
function balancedLoader (): ScriptedLoader & { sheds: Array<[number, number]> } {
  const loader = Object.assign(scriptedLoader([], { oob: true }), { sheds: [] as Array<[number, number]> })
  const spawn = loader.spawn.bind(loader)
  loader.spawn = async (...args) => {
    const p = await spawn(...args)
    return Object.assign(p, { acceptsItself: true, shedConnections: (n: number) => { loader.sheds.push([p.pid, n]) } })
  }
  return loader
}

const open = (s: Scripted, n: number): void => s.hooks!.onConnections!(s.pid, n)

async function groupOf (t: { after: (fn: () => Promise<void>) => void }, n: number): Promise<{ clock: FakeClock, loader: ReturnType<typeof balancedLoader>, g: ReturnType<ReturnType<typeof poolOnClock>['addGroup']> }> {
  const clock = new FakeClock()
  const loader = balancedLoader()
  const pool = poolOnClock(clock, loader)
  t.after(() => pool.stop())
  const g = pool.addGroup(app, { ...settings, minInstances: n })
  await settle()
  assert.equal(g.processes.length, n)
  return { clock, loader, g }
}

test('balance: a process over its share is told to shed the excess, again while it is over, until balanced', async t => {
  const { clock, loader } = await groupOf(t, 2)
  const [a, b] = loader.spawned as [Scripted, Scripted]
  open(a, 48)
  open(b, 2)
  assert.deepEqual(loader.sheds, [], 'reports that arrive together are weighed together, a moment later')
  await clock.advance(BALANCE_DELAY_MS)
  assert.deepEqual(loader.sheds, [[a.pid, 23]])
  // Most of its shed clients came back to it: it is still over, and is told again once its cool-down is over.
  open(a, 42)
  open(b, 8)
  await clock.advance(BALANCE_DELAY_MS)
  assert.deepEqual(loader.sheds, [[a.pid, 23]], 'not during its cool-down')
  await clock.advance(SHED_COOLDOWN_MS)
  assert.deepEqual(loader.sheds, [[a.pid, 23], [a.pid, 17]])
  open(a, 28)
  open(b, 22)
  await clock.advance(10 * SHED_MAX_COOLDOWN_MS)
  assert.deepEqual(loader.sheds, [[a.pid, 23], [a.pid, 17]], 'within the slack (up to an eighth over the share): left alone')
  // A fresh imbalance later is dealt with at once, with the short cool-down again.
  open(a, 5)
  open(b, 45)
  await clock.advance(BALANCE_DELAY_MS)
  assert.deepEqual(loader.sheds.at(-1), [b.pid, 20])
})

test('balance: shedding that changes nothing is asked for less and less often (the cool-down doubles, bounded)', async t => {
  const { clock, loader } = await groupOf(t, 2)
  const [a, b] = loader.spawned as [Scripted, Scripted]
  open(a, 40)
  open(b, 10)
  // The other process takes none of them (busy): the counts never change, and no report comes.
  await clock.advance(4_000)
  const times = loader.sheds.length
  // 50, 100, 200... ms apart, then every SHED_MAX_COOLDOWN_MS.
  assert.ok(times >= 4 && times <= 10, `told ${times} times in 4 s (every ${BALANCE_DELAY_MS} ms would be hundreds)`)
  assert.ok(loader.sheds.every(([pid, n]) => pid === a.pid && n === 15), 'never more than its excess')
  const before = loader.sheds.length
  await clock.advance(SHED_MAX_COOLDOWN_MS * 5)
  assert.ok(loader.sheds.length - before <= 6, 'at most once per longest cool-down')
  // The other takes clients again: the shedding that now works goes on at the short pace.
  const last = loader.sheds.length
  open(a, 39)
  open(b, 11)
  await clock.advance(BALANCE_DELAY_MS)
  assert.deepEqual(loader.sheds.slice(last), [[a.pid, 14]], 'at once: its cool-down was long, but that order worked')
  await clock.advance(SHED_COOLDOWN_MS / 2)
  open(a, 38)
  open(b, 12)
  await clock.advance(SHED_COOLDOWN_MS / 2 + BALANCE_DELAY_MS)
  assert.deepEqual(loader.sheds.slice(last), [[a.pid, 14], [a.pid, 13]])
})

test('balance: one process never sheds; a process away for out-of-band work is not counted', async t => {
  const { clock, loader, g } = await groupOf(t, 1)
  const [a] = loader.spawned as [Scripted]
  open(a, 50)
  await clock.advance(5_000)
  assert.deepEqual(loader.sheds, [], 'one process has nowhere to send its clients')

  const two = await groupOf(t, 2)
  const [x, y] = two.loader.spawned as [Scripted, Scripted]
  const py = two.g.processes.find(p => p.pid === y.pid)!
  py.state = 'oob'
  open(x, 50)
  open(y, 0)
  await two.clock.advance(5_000)
  assert.deepEqual(two.loader.sheds, [], 'the other takes no clients while it does its work')
  py.state = 'ready'
  // Nothing changed its count, but its next batch of counters has the group weighed again.
  y.hooks!.onStats!(y.pid, { processed: 0, inFlight: 0, lastUsed: 0, bytesIn: 0, bytesOut: 0, byClass: [], buckets: [], sumMs: 0 })
  await two.clock.advance(BALANCE_DELAY_MS)
  assert.deepEqual(two.loader.sheds, [[x.pid, 25]], 'back in rotation: it takes its share')
  assert.equal(g.processes.length, 1)
})
