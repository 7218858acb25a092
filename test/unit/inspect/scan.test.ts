import { test } from 'node:test'
import assert from 'node:assert/strict'
import { classify, scanProcesses, type ProcessInfo } from '../../../src/core/inspect/scan.js'
import { fakeProc } from './fixtures.js'

const pids = (list: readonly ProcessInfo[]): number[] => list.map(p => p.pid)

test('scanProcesses: every process but itself, zombies and the ones that vanished mid-scan', t => {
  const list = scanProcesses({ root: fakeProc(t), self: 400 })
  assert.deepEqual(pids(list), [2, 100, 101, 102, 103, 104, 200, 201, 300])
  assert.deepEqual(list.find(p => p.pid === 101), {
    pid: 101, ppid: 100, vmsize_kb: 1064243, private_dirty_kb: 3891, swap_kb: 12, rss_kb: 52000, command: 'Ferry core', comm: 'Ferry core', exe: null
  })
})

test('scanProcesses: a kernel thread is named [comm], with no private dirty RSS to show', t => {
  const k = scanProcesses({ root: fakeProc(t) }).find(p => p.pid === 2)!
  assert.equal(k.command, '[kthreadd]')
  assert.equal(k.vmsize_kb, 0)
  assert.equal(k.private_dirty_kb, null)
})

test('scanProcesses: a comm with parentheses keeps its ppid right', t => {
  const p = scanProcesses({ root: fakeProc(t), self: 1 }).find(p => p.pid === 400)!
  assert.equal(p.comm, 'my (odd) name)')
  assert.equal(p.ppid, 1)
  assert.equal(p.command, 'weird --flag')
})

test('classify: Ferry titles and every descendant of a core; nginx by title, Apache by name', t => {
  const found = classify(scanProcesses({ root: fakeProc(t) }))
  assert.deepEqual(pids(found.ferry), [100, 101, 102, 103, 104])
  assert.deepEqual(pids(found.nginx), [200, 201])
  assert.deepEqual(pids(found.apache), [300])
})

test('classify: nginx and Apache recognised by the executable or argv[0] too', () => {
  const base = { ppid: 1, vmsize_kb: 1, private_dirty_kb: 1, swap_kb: 0, rss_kb: 1, exe: null }
  const found = classify([
    { ...base, pid: 10, command: '/opt/nginx/sbin/nginx -c /etc/nginx.conf', comm: 'nginx' },
    { ...base, pid: 11, command: 'custom title', comm: 'x', exe: '/usr/sbin/nginx (deleted)' },
    { ...base, pid: 12, command: '/usr/sbin/httpd -DFOREGROUND', comm: 'httpd' },
    { ...base, pid: 13, command: 'vim nginx.conf', comm: 'vim' },
    // A process whose parent chain loops (pid reuse while scanning) must not hang classify.
    { ...base, pid: 14, ppid: 15, command: 'a', comm: 'a' },
    { ...base, pid: 15, ppid: 14, command: 'b', comm: 'b' }
  ])
  assert.deepEqual(pids(found.nginx), [10, 11])
  assert.deepEqual(pids(found.apache), [12])
  assert.deepEqual(found.ferry, [])
})
