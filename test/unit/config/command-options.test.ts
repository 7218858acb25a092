import { test } from 'node:test'
import assert from 'node:assert/strict'
import { COMMAND_OPTIONS, OPTIONS, commandOptionsFor, optionsFor } from '../../../src/core/config/options.js'
import { SHOW } from '../../../src/core/client/status.js'

test('no command gets two options of one name (a later entry would silently replace the first)', () => {
  const commands = new Set([...COMMAND_OPTIONS, ...OPTIONS].flatMap(o => [...o.commands]))
  for (const command of commands) {
    const names = [...optionsFor(command), ...commandOptionsFor(command)].map(o => o.name)
    assert.deepEqual(names, [...new Set(names)], `ferry ${command}`)
  }
})

test('status --show offers exactly the views the client can fetch', () => {
  const show = commandOptionsFor('status').find(o => o.name === 'show')
  assert.ok(show?.kind === 'enum')
  assert.deepEqual([...show.values], [...SHOW])
})
