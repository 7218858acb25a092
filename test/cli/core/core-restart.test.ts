// A core killed outright costs no refused connection: the watchdog keeps the front's listening socket, clients wait
// in the backlog while the next core starts, and the old core's private socket directory is removed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { dirname } from 'node:path'
import { request } from 'node:http'
import { fixtureApp } from '../../helpers/tmp.js'
import { startFerry, logged } from '../../helpers/ferry.js'
import { childPids, isAlive, waitFor } from '../../helpers/procs.js'

type Outcome = 'ok' | 'refused' | 'reset' | 'other'

/** One GET on a new connection; a slow answer is fine (that is the point), a refused connect is not. */
function attempt (url: string): Promise<Outcome> {
  return new Promise(resolve => {
    const req = request(`${url}/`, { agent: false, timeout: 15_000 }, res => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : 'other'))
      res.on('error', () => resolve('reset'))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ECONNRESET' ? 'reset' : 'other'))
    req.end()
  })
}

/** The core's private socket directory: where its app process listens (found through /proc, as `ss -xlp` would). */
function socketDirOf (corePid: number): string {
  const inodes = new Set<string>()
  for (const app of childPids(corePid)) {
    for (const fd of readdirSync(`/proc/${app}/fd`)) {
      try { inodes.add(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${app}/fd/${fd}`))?.[1] ?? '') } catch {}
    }
  }
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length >= 8 && inodes.has(f[6]!)) return dirname(f[7]!).replace(/\/u\d+$/, '')
  }
  throw new Error('no listening socket of an app process found')
}

test('core SIGKILL under steady traffic: no connection refused, the next core serves, the old socket dir goes', async t => {
  const f = await startFerry(t, fixtureApp('hello'))
  const oldCore = f.corePid
  assert.equal(await attempt(f.url), 'ok')
  const oldDir = socketDirOf(oldCore)
  assert.match(oldDir, /ferry-/)

  const counts: Record<Outcome, number> = { ok: 0, refused: 0, reset: 0, other: 0 }
  let killedAt = 0
  let backAfterMs = -1
  // Four clients, each one request after another, for a bounded time (at most 1200 requests all told).
  const until = Date.now() + 4_000
  const client = async (): Promise<void> => {
    for (let i = 0; i < 300 && Date.now() < until; i++) {
      const sentAfterKill = killedAt > 0
      const outcome = await attempt(f.url)
      counts[outcome]++
      if (outcome === 'ok' && sentAfterKill && backAfterMs < 0) backAfterMs = Date.now() - killedAt
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  }
  const clients = Promise.all([client(), client(), client(), client()])
  await new Promise(resolve => setTimeout(resolve, 500))
  killedAt = Date.now()
  process.kill(oldCore, 'SIGKILL')
  await clients
  t.diagnostic(`all requests: ${JSON.stringify(counts)}; first request sent after the kill answered ${backAfterMs} ms after it`)
  assert.equal(counts.refused, 0, `refused connections: ${JSON.stringify(counts)}`)
  assert.ok(backAfterMs >= 0, 'a request sent after the kill was answered (by the new core)')
  await waitFor(() => !existsSync(oldDir), 5_000, "the old core's socket directory to be removed")
  assert.ok(!isAlive(oldCore))
})

test('a hung core (SIGSTOP) is killed after --core-heartbeat-timeout and restarted; clients wait, none is refused', async t => {
  const f = await startFerry(t, fixtureApp('hello'), ['--core-heartbeat-timeout', '2'])
  const oldCore = f.corePid
  assert.equal(await attempt(f.url), 'ok')
  t.after(() => { try { process.kill(oldCore, 'SIGKILL') } catch {} })
  process.kill(oldCore, 'SIGSTOP')
  const stoppedAt = Date.now()
  // Three clients that each wait in the backlog until the new core answers.
  const outcomes = await Promise.all([attempt(f.url), attempt(f.url), attempt(f.url)])
  t.diagnostic(`answered ${Date.now() - stoppedAt} ms after SIGSTOP: ${outcomes.join(', ')}`)
  assert.deepEqual(outcomes, ['ok', 'ok', 'ok'])
  await logged(f, /sent no heartbeat for \d+ s \(--core-heartbeat-timeout\)/)
  await waitFor(() => !isAlive(oldCore), 5_000, 'the hung core to be gone')
})
