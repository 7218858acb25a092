// --bypass connection balance under attack, with real processes: connections that sit idle (a hostile client's, or
// parked keep-alives) must not make one process shed every client that does send requests, until the other process
// serves them all.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { Client, request } from 'undici'
import { connect, type Socket } from 'node:net'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry, readyCount, type RunningFerry } from '../../helpers/ferry.js'
import { waitFor } from '../../helpers/procs.js'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function bypassInstance (t: TestContext): Promise<RunningFerry> {
  const f = await startFerry(t, fixtureApp('bypass-balance-lab'), ['--bypass', '--min-instances', '2',
    '--max-pool-size', '2', '--instance-registry-dir', tmpDir(t)])
  await waitFor(() => readyCount(f) === 2, 15_000, '2 processes')
  return f
}

/** `n` keep-alive clients requesting in a loop: which process answered each last, and how often each connected. */
function startClients (url: string, n: number): { answeredBy: number[], connects: number[], failures: string[], stop: () => Promise<void> } {
  const answeredBy = new Array<number>(n).fill(0)
  const connects = new Array<number>(n).fill(0)
  const failures: string[] = []
  let running = true
  const clients = Array.from({ length: n }, (_, i) => {
    const c = new Client(url, { pipelining: 1 })
    c.on('connect', () => { connects[i]!++ })
    return c
  })
  const loops = clients.map(async (c, i) => {
    for (let seq = 0; running; seq++) {
      try {
        const r = await c.request({ method: 'GET', path: `/?id=${i}-${seq}` })
        answeredBy[i] = (JSON.parse(await r.body.text()) as { pid: number }).pid
      } catch (err) {
        failures.push(String(err))
        await sleep(10)
      }
      await sleep(5)
    }
  })
  let stopped: Promise<void> | undefined
  return {
    answeredBy,
    connects,
    failures,
    stop: async () => {
      running = false
      stopped ??= Promise.all(loops).then(async () => { await Promise.all(clients.map(async c => await c.close())) })
      await stopped
    }
  }
}

test('bypass balance: idle connections parked on one process do not push every active client to the other', async t => {
  const f = await bypassInstance(t)
  // One process busy: the other accepts every idle connection (opened, never used), as a hostile client would park them.
  const burn = await request(`${f.url}/burn?ms=1000&id=burn`)
  const { port } = new URL(f.url)
  const idle: Socket[] = []
  t.after(() => { for (const s of idle) s.destroy() })
  for (let i = 0; i < 30; i++) {
    const s = connect(Number(port), '127.0.0.1')
    s.on('error', () => {})
    idle.push(s)
  }
  const busy = (await burn.body.json() as { pid: number }).pid
  const clients = startClients(f.url, 10)
  t.after(() => clients.stop())
  const on = (pid: number): number => clients.answeredBy.filter(p => p === pid).length
  await waitFor(() => clients.answeredBy.every(p => p !== 0), 10_000, 'every client answered')
  await sleep(3_000)
  const other = clients.answeredBy.find(p => p !== busy)
  const spread = `${busy}: ${on(busy)}, the one with the idle connections: ${other === undefined ? 0 : on(other)}`
  await clients.stop()
  const reconnects = clients.connects.reduce((a, b) => a + b, 0) - 10
  t.diagnostic(`${spread}; ${reconnects} reconnects`)
  assert.deepEqual(clients.failures, [])
  // Shedding cannot move idle connections (they get no answer to close): counting them, the process holding them is
  // always over its share and closes each active client it gets, until the other process serves all of them.
  assert.ok(on(busy) < 10, `the active clients are not all pushed off the process holding the idle ones (${spread})`)
  assert.ok(reconnects < 40, `active clients are not made to reconnect over and over (${reconnects})`)
})
