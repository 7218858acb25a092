// What the --bypass connection-balance tests share: an instance of the balance lab app (each answer names the
// process that gave it and echoes the request's id), and keep-alive clients requesting in a loop on it.
import type { TestContext } from 'node:test'
import { Client } from 'undici'
import { fixtureApp, tmpDir } from './tmp.js'
import { startFerry, readyCount, type RunningFerry } from './ferry.js'
import { waitFor } from './procs.js'

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** `ferry start --bypass` of the balance lab with exactly `processes` app processes, once all are ready. */
export async function bypassInstance (t: TestContext, processes: number): Promise<RunningFerry> {
  const f = await startFerry(t, fixtureApp('bypass-balance-lab'), ['--bypass', '--min-instances', String(processes),
    '--max-pool-size', String(processes), '--instance-registry-dir', tmpDir(t)])
  await waitFor(() => readyCount(f) === processes, 15_000, `${processes} process(es)`)
  return f
}

export interface LoopingClients {
  /** The pid that answered each client last (0 before its first answer). */
  readonly answeredBy: number[]
  /** How often each client connected (a `Connection: close` answer makes it connect again). */
  readonly connects: number[]
  /** Requests that failed, were not answered 200, or got an answer meant for another request. */
  readonly failures: string[]
  /** Resolves once every client has had its first answer (or failure). */
  readonly first: Promise<void>
  stop: () => Promise<void>
}

/** `n` keep-alive clients, each on one connection at a time, requesting in a loop with `pauseMs` between requests. */
export function startClients (url: string, n: number, pauseMs = 0): LoopingClients {
  const answeredBy = new Array<number>(n).fill(0)
  const connects = new Array<number>(n).fill(0)
  const failures: string[] = []
  let running = true
  const clients = Array.from({ length: n }, (_, i) => {
    const c = new Client(url, { pipelining: 1 })
    c.on('connect', () => { connects[i]!++ })
    return c
  })
  const firsts: Array<Promise<void>> = []
  const loops = clients.map(async (c, i) => {
    let markFirst!: () => void
    firsts.push(new Promise(resolve => { markFirst = resolve }))
    for (let seq = 0; running; seq++) {
      const id = `${i}-${seq}`
      try {
        const r = await c.request({ method: 'GET', path: `/?id=${id}` })
        const body = JSON.parse(await r.body.text()) as { pid: number, id: string }
        if (r.statusCode !== 200 || body.id !== id) failures.push(`client ${id}: ${r.statusCode} ${JSON.stringify(body)}`)
        answeredBy[i] = body.pid
      } catch (err) {
        failures.push(`client ${id}: ${String(err)}`)
        await sleep(10)
      }
      if (seq === 0) markFirst()
      if (pauseMs > 0) await sleep(pauseMs)
    }
  })
  let stopped: Promise<void> | undefined
  return {
    answeredBy,
    connects,
    failures,
    first: Promise.all(firsts).then(() => {}),
    stop: async () => {
      running = false
      stopped ??= Promise.all(loops).then(async () => { await Promise.all(clients.map(async c => await c.close())) })
      await stopped
    }
  }
}
