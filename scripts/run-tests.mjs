// Runs the compiled test files, listed explicitly: `node --test dir/` searches on Node 20 but takes globs from 22 on,
// so naming the files keeps `npm test` the same on every supported Node.
//   node scripts/run-tests.mjs [unit|integration|cli ...]   (npm test, npm run test:unit / test:integration / test:cli)
// FERRY_TEST_TIMES=FILE also writes the slowest files and tests there (scripts/slowest-reporter.mjs).
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

// The runner starts files in the order given, a few at a time: the longest ones go first, so that the end of the run
// is not one long file running alone while the other slot has nothing left. Measured with FERRY_TEST_TIMES; the
// order only matters for the wall time, never for the result.
const SLOWEST_FIRST = [
  'cli/cache-purge', 'cli/conventions', 'cli/bypass/bypass-attacks', 'cli/actions', 'cli/apps/fly', 'cli/attack-14',
  'cli/daemon', 'cli/core/lifecycle', 'cli/daemon-handoff', 'cli/status', 'integration/cache/stale-attacks',
  'cli/bypass/bypass-oob', 'cli/front/lean-front', 'cli/bypass/bypass-serving', 'cli/instance-selection',
  'cli/spawn/identity', 'cli/bypass/bypass', 'cli/core/core-restart', 'cli/front/attack-13', 'cli/start-errors'
]
// Then the other slow tiers, and the many short unit files last, where they fill the gaps.
const TIER_ORDER = ['cli', 'integration', 'unit']

const tiers = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['unit', 'integration', 'cli']
const files = []
function walk (dir) {
  let entries
  try { entries = readdirSync(dir).sort() } catch { return }
  for (const name of entries) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (name.endsWith('.test.js') && hasSource(path)) files.push(path)
  }
}
// tsc never deletes what it built before: a test file moved to another tier (or removed) leaves its old .js behind in
// dist, which would run twice (or run a test that no longer exists). Only files with a .ts source today run.
function hasSource (compiled) {
  return existsSync(compiled.slice('dist'.length + 1).replace(/\.js$/, '.ts'))
}
for (const tier of tiers) walk(join('dist', 'test', tier))
if (files.length === 0) {
  console.error('no test files found under dist/test: run `npm run build` first')
  process.exit(1)
}
const rank = file => {
  const rel = file.slice(join('dist', 'test').length + 1).replace(/\.test\.js$/, '')
  const slow = SLOWEST_FIRST.indexOf(rel)
  return slow >= 0 ? slow : SLOWEST_FIRST.length + TIER_ORDER.indexOf(rel.split('/')[0]) + 1
}
files.sort((a, b) => rank(a) - rank(b)) // stable: alphabetical within a rank
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout']
if (process.env.FERRY_TEST_TIMES !== undefined) {
  reporters.push('--test-reporter=./scripts/slowest-reporter.mjs', `--test-reporter-destination=${process.env.FERRY_TEST_TIMES}`)
}
// Three files at a time on this 2-core machine: most integration tests wait on real processes and sockets, so a third
// slot fills the idle time (2 min 25 s against 3 min 12 s for two, idle). FERRY_TEST_CONCURRENCY overrides it.
const concurrency = process.env.FERRY_TEST_CONCURRENCY ?? '3'
const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...reporters, ...files], { stdio: 'inherit' })
process.exit(result.status ?? 1)
