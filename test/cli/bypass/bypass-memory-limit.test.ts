// --bypass with --memory-limit, with real processes: a bypassed process that grows past the limit is replaced (the
// core measures its memory as it measures a proxied one's), it answers what it was asked before it goes, and the
// instance keeps answering from the new process.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixtureApp } from '../../helpers/tmp.js'
import { startFerry, logged } from '../../helpers/ferry.js'
import { getJson } from '../../helpers/http.js'
import { isAlive, waitFor } from '../../helpers/procs.js'

test('bypass: a process past --memory-limit is replaced, and the instance answers from the new one', async t => {
  const f = await startFerry(t, fixtureApp('lifecycle-lab'), ['--bypass', '--memory-limit', '120'])
  const grown = await getJson<{ pid: number, retainedMb: number }>(`${f.url}/alloc?mb=150`)
  await waitFor(() => /over the 120 MB limit/.test(f.output()), 15_000, 'the limit to be noticed')
  await waitFor(() => !isAlive(grown.pid), 15_000, 'the old process to stop')
  const after = await getJson<{ pid: number }>(`${f.url}/pid`)
  assert.notEqual(after.pid, grown.pid)
  await logged(f, new RegExp(`app process ${grown.pid} of .* uses \\d+ MB of private memory, over the 120 MB limit`))
})
