import { test } from 'node:test'
import assert from 'node:assert/strict'
import { commandOf, parseCmdline, parseSmaps, parseStat, parseStatus, readCmdline, readProcFile, readSmaps, readStat, readStatus } from '../../../src/core/inspect/proc.js'
import { fakeProc, fixtureText, procFixtures } from './fixtures.js'

test('parseStat: pid, comm, state, ppid and process group of an ordinary process', () => {
  assert.deepEqual(parseStat(fixtureText('tree/101/stat')), { pid: 101, comm: 'Ferry core', state: 'S', ppid: 100, pgrp: 100 })
})

test('parseStat: a comm with spaces and parentheses ends at the last ")"', () => {
  assert.deepEqual(parseStat(fixtureText('tree/400/stat')), { pid: 400, comm: 'my (odd) name)', state: 'R', ppid: 1, pgrp: 1 })
  assert.deepEqual(parseStat('7 () ) Z 3 7 7'), { pid: 7, comm: ') ', state: 'Z', ppid: 3, pgrp: 7 })
})

test('parseStat: text that is not a stat line gives undefined', () => {
  assert.equal(parseStat(''), undefined)
  assert.equal(parseStat('12 (x)'), undefined)
})

test('parseStatus: VmSize, VmRSS and VmSwap in kB', () => {
  assert.deepEqual(parseStatus(fixtureText('tree/101/status')), { vmsize_kb: 1064243, rss_kb: 52000, swap_kb: 12 })
})

test('parseStatus: a kernel thread has no Vm lines', () => {
  assert.deepEqual(parseStatus(fixtureText('tree/2/status')), { vmsize_kb: null, rss_kb: null, swap_kb: null })
})

test('parseSmaps: Private_Dirty and Swap of smaps_rollup', () => {
  assert.deepEqual(parseSmaps(fixtureText('tree/102/smaps_rollup')), { private_dirty_kb: 46694, swap_kb: 0, pss_kb: 30000 })
})

test('parseSmaps: the full smaps of an old kernel is summed over its mappings', () => {
  assert.deepEqual(parseSmaps(fixtureText('tree/201/smaps')), { private_dirty_kb: 212, swap_kb: 52, pss_kb: null })
})

test('parseSmaps: an empty file (kernel thread) knows nothing', () => {
  assert.deepEqual(parseSmaps(''), { private_dirty_kb: null, swap_kb: null, pss_kb: null })
})

test('parseCmdline: NUL-separated arguments, NUL padding dropped, empty for kernel threads', () => {
  assert.deepEqual(parseCmdline('python3\0-m\0http.server\x004000\0'), ['python3', '-m', 'http.server', '4000'])
  assert.deepEqual(parseCmdline('Ferry core\0\0\0\0\0'), ['Ferry core'])
  assert.deepEqual(parseCmdline('nginx: worker process'), ['nginx: worker process'])
  assert.deepEqual(parseCmdline(''), [])
  assert.equal(commandOf([], 'kthreadd'), '[kthreadd]')
  assert.equal(commandOf(['node', 'server.js'], 'node'), 'node server.js')
})

test('readers: values for a live pid, undefined for a pid that is gone', t => {
  const root = fakeProc(t)
  assert.equal(readStat(101, root)?.ppid, 100)
  assert.equal(readStatus(101, root)?.vmsize_kb, 1064243)
  assert.deepEqual(readCmdline(103, root), ['python3', '-m', 'http.server', '4000'])
  assert.equal(readStat(999, root), undefined)
  assert.equal(readStatus(600, root), undefined, '600 exited after its stat was read')
})

test('readSmaps: smaps_rollup when present, else the full smaps, else undefined', t => {
  const root = fakeProc(t)
  assert.equal(readSmaps(101, root)?.private_dirty_kb, 3891)
  assert.deepEqual(readSmaps(201, root), { private_dirty_kb: 212, swap_kb: 52, pss_kb: null })
  assert.equal(readSmaps(600, root), undefined)
})

test('readers on the real /proc: this process can read itself', () => {
  assert.equal(readStat(process.pid)?.pid, process.pid)
  assert.equal(readStat(process.pid)?.ppid, process.ppid)
  assert.ok((readStatus(process.pid)?.vmsize_kb ?? 0) > 0)
  assert.ok((readSmaps(process.pid)?.private_dirty_kb ?? 0) > 0)
  assert.equal(readCmdline(process.pid)?.[0], process.argv0)
})

test('readProcFile: undefined when the file is gone, null when it exists but cannot be read', () => {
  assert.equal(readProcFile(`${procFixtures}/tree/999/stat`), undefined)
  assert.equal(readProcFile(procFixtures), null, 'EISDIR stands in for EACCES, which root never gets')
})
