// `node dist/bench/growth.js` (after `npm run build`): does growing the group under CPU-bound load raise throughput?
// One lifecycle-lab process, --max-pool-size 3, six clients asking for 20 ms of CPU each, back to back: requests/s
// with one process (the first second) against requests/s once the group has grown to three. On 2 cores expect about
// 2x; below 1.3x is reported as a regression. This was an assertion of test/integration/lifecycle/sticky-scaling,
// where a second suite on the same 2 cores made it fail: a rate belongs in a bench, the test keeps the growth itself.
//
// Environment: BENCH_GROWTH_SECONDS (how long the grown group is measured, default 3).
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { envInt } from './lib/env.js'
import { HOST, freePort } from './lib/net.js'
import { installCleanupHandlers, start, stopAll } from './lib/procs.js'
import { ferryReady, watchFerry } from './lib/targets.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLIENTS = 6
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Clients that each send the next request as soon as the last is answered; counts the answers. */
function load (url: string): { count: () => number, stop: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS })
  let running = true
  let count = 0
  const one = (): void => {
    if (!running) return
    request(url, { agent }, res => { res.resume(); res.on('end', () => { if (res.statusCode === 200) count++; one() }) })
      .on('error', () => { if (running) setTimeout(one, 10) }).end()
  }
  for (let i = 0; i < CLIENTS; i++) one()
  return { count: () => count, stop: () => { running = false; agent.destroy() } }
}

async function main (): Promise<void> {
  installCleanupHandlers()
  const port = await freePort()
  const m = start('ferry', process.execPath, [join(ROOT, 'bin', 'run.js'), 'start', join(ROOT, 'test', 'fixtures', 'apps', 'lifecycle-lab'),
    '--port', String(port), '--address', HOST, '--max-pool-size', '3'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } })
  const w = watchFerry(m)
  try {
    await ferryReady(m, w, 1)
    const l = load(`http://${HOST}:${port}/cpu?ms=20`)
    await sleep(1000)
    const early = l.count()
    for (const until = Date.now() + 20_000; w.appsReady() < 3 && Date.now() < until;) await sleep(100)
    await sleep(1000)
    const seconds = envInt('BENCH_GROWTH_SECONDS', 3)
    const before = l.count()
    await sleep(seconds * 1000)
    const late = (l.count() - before) / seconds
    l.stop()
    const ratio = late / Math.max(early, 1)
    console.log(`growth: ${early} requests/s with one process, ${late.toFixed(1)} with ${w.appsReady()} processes started: ${ratio.toFixed(2)}x`)
    if (ratio < 1.3) {
      console.log('  regression: growing the group should raise CPU-bound throughput by 1.3x at least')
      process.exitCode = 1
    }
  } finally {
    await stopAll()
  }
}

await main()
