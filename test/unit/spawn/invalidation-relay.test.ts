// The core passes one bypassed process's invalidations on to the others without ever holding more than one message
// for a process that reads slowly, and passes on only reports within bounds; a process reports its own the same way.
// The channel is faked: it is the edge.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { invalidated, invalidationReporter, relayTo, type Channel } from '../../../src/core/spawn/invalidation-relay.js'

class SlowChannel implements Channel {
  connected = true
  readonly sent: unknown[] = []
  readonly #waiting: Array<(err: Error | null) => void> = []
  send (message: unknown, callback: (err: Error | null) => void): boolean {
    this.sent.push(message)
    this.#waiting.push(callback)
    return true
  }

  /** The process read what was written. */
  take (): void { this.#waiting.shift()?.(null) }
}

test('while a message is unread, what comes after turns into one `all`, sent once the channel is free', () => {
  const channel = new SlowChannel()
  const relay = relayTo(channel)
  relay({ keys: ['http\na\n/1'] })
  for (let i = 2; i < 1000; i++) relay({ keys: [`http\na\n/${i}`] })
  assert.deepEqual(channel.sent, [{ type: 'ferry:cache-invalidate', keys: ['http\na\n/1'] }], 'one message held, however many came')
  channel.take()
  assert.deepEqual(channel.sent.at(-1), { type: 'ferry:cache-invalidate', all: true })
  assert.equal(channel.sent.length, 2)
  channel.take()
  relay({ keys: ['http\na\n/x'] })
  assert.deepEqual(channel.sent.at(-1), { type: 'ferry:cache-invalidate', keys: ['http\na\n/x'] }, 'free again: keys as they come')
})

test('nothing is sent to a process that is gone', () => {
  const channel = new SlowChannel()
  channel.connected = false
  relayTo(channel)({ all: true })
  assert.equal(channel.sent.length, 0)
})

test('a report is passed on only within bounds; `all` always', () => {
  assert.deepEqual(invalidated({ all: true }), { all: true })
  assert.deepEqual(invalidated({ keys: ['http\na\n/'] }), { keys: ['http\na\n/'] })
  for (const keys of [[], 'http\na\n/', [1], Array(33).fill('k'), ['x'.repeat(20 * 1024 + 1)], undefined]) {
    assert.equal(invalidated({ keys }), undefined, String(JSON.stringify(keys)).slice(0, 60))
  }
})

const batch = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 5)) }

test('a process gathers its keys, sends each once, one message at a time, and `all` past what a report carries', async () => {
  const channel = new SlowChannel()
  const report = invalidationReporter(channel, 0)
  report(['http\na\n/1', 'https\na\n/1'])
  report(['http\na\n/1'])
  await batch()
  assert.deepEqual(channel.sent, [{ type: 'ferry:cache-invalidated', keys: ['http\na\n/1', 'https\na\n/1'] }])
  report(['http\na\n/2'])
  await batch()
  assert.equal(channel.sent.length, 1, 'nothing more while the channel has not taken the last message')
  channel.take()
  await batch()
  assert.deepEqual(channel.sent.at(-1), { type: 'ferry:cache-invalidated', keys: ['http\na\n/2'] }, 'then what was gathered')
  channel.take()
  report(Array.from({ length: 40 }, (_, i) => `http\na\n/${i}`))
  await batch()
  assert.deepEqual(channel.sent.at(-1), { type: 'ferry:cache-invalidated', all: true }, 'more than 32 keys')
  channel.take()
  report(['http\na\n/' + 'x'.repeat(20 * 1024)])
  await batch()
  assert.deepEqual(channel.sent.at(-1), { type: 'ferry:cache-invalidated', all: true }, 'a key longer than the core takes')
  assert.equal(channel.sent.length, 4)
})
