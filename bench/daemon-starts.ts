// `node dist/bench/daemon-starts.js`: daemonized starts in a row, as a deploy script runs them. For each shape (1, 2
// and 4 pre-started processes, and a config file with 3 apps) it does BENCH_DAEMON_ROUNDS (default 50) rounds of
// `ferry start -d` → GET / → `ferry stop` and checks each round end to end (see test/helpers/daemon-cycle.ts).
// A hand-off that fails one start in a hundred shows here, not in the test suite's few rounds. Loopback only.
import { envInt } from './lib/env.js'
import { SHAPES, daemonCycle } from '../test/helpers/daemon-cycle.js'

const rounds = envInt('BENCH_DAEMON_ROUNDS', 50)
let failedTotal = 0
for (const shape of SHAPES) {
  const failures: string[] = []
  const t0 = Date.now()
  for (let i = 0; i < rounds; i++) {
    const why = await daemonCycle(shape)
    if (why !== undefined) failures.push(`round ${i + 1}: ${why}`)
  }
  const perRound = ((Date.now() - t0) / rounds / 1000).toFixed(2)
  console.log(`${shape.label.padEnd(20)} ${rounds - failures.length}/${rounds} clean (${perRound} s per round)`)
  for (const f of failures.slice(0, 5)) console.log(`  ${f}`)
  failedTotal += failures.length
}
process.exitCode = failedTotal === 0 ? 0 : 1
