// Constant concurrent load for lifecycle tests: `concurrency` clients each send requests back to back (keep-alive)
// until stopped, and every outcome is recorded, so a test can say "zero requests failed" and "served by these PIDs".
import { Agent, request } from 'undici'

export interface LoadResult {
  readonly ok: number
  readonly failures: readonly string[]
  /** PIDs that answered (the fixtures answer JSON with a pid), in the order first seen. */
  readonly pids: readonly number[]
  /** Every reply body, parsed, with the time it completed. */
  readonly replies: ReadonlyArray<{ at: number, body: Record<string, unknown> }>
}

export interface Load {
  /** Replies so far. */
  readonly count: () => number
  /** PIDs that answered so far. */
  readonly servedBy: () => readonly number[]
  stop (): Promise<LoadResult>
}

export function startLoad (url: string, concurrency: number, o: { headers?: Record<string, string> } = {}): Load {
  const agent = new Agent({ connections: concurrency, pipelining: 1 })
  let running = true
  let ok = 0
  const failures: string[] = []
  const pids: number[] = []
  const replies: Array<{ at: number, body: Record<string, unknown> }> = []
  const client = async (): Promise<void> => {
    while (running) {
      try {
        const res = await request(url, { dispatcher: agent, headers: o.headers })
        const text = await res.body.text()
        if (res.statusCode !== 200) { failures.push(`${res.statusCode} ${text.slice(0, 200)}`); continue }
        const body = JSON.parse(text) as Record<string, unknown>
        ok++
        replies.push({ at: Date.now(), body })
        if (typeof body.pid === 'number' && !pids.includes(body.pid)) pids.push(body.pid)
      } catch (err) {
        failures.push((err as Error).message)
      }
    }
  }
  const clients = Array.from({ length: concurrency }, client)
  return {
    count: () => ok,
    servedBy: () => pids,
    async stop () {
      running = false
      await Promise.all(clients)
      await agent.close()
      return { ok, failures, pids, replies }
    }
  }
}
