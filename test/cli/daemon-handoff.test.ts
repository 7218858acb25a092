// `ferry start --daemonize` hands the instance over to the daemon soundly: with several pre-started processes and
// with a multi-app config, every start returns 0 with the banner, serves, and stops leaving no process behind.
// Before the daemon ended the hand-off itself, most starts with 2+ processes crashed the CLI (kPendingMessages) or
// the daemon (EPIPE). bench/daemon-starts.ts runs the same rounds 50 times per shape.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SHAPES, daemonCycle } from '../helpers/daemon-cycle.js'

test('--daemonize with 2 and 4 processes and a multi-app config: four starts in a row serve and stop cleanly', async () => {
  const shapes = SHAPES.slice(1)
  for (let i = 0; i < 4; i++) {
    const shape = shapes[i % shapes.length]!
    assert.equal(await daemonCycle(shape), undefined, `round ${i + 1} (${shape.label})`)
  }
})
