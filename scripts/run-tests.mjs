// Runs the compiled test files, listed explicitly: `node --test dir/` searches on Node 20 but takes globs from 22 on,
// so naming the files keeps `npm test` the same on every supported Node.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

const tiers = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['unit', 'integration', 'cli']
const files = []
function walk (dir) {
  let entries
  try { entries = readdirSync(dir).sort() } catch { return }
  for (const name of entries) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (name.endsWith('.test.js')) files.push(path)
  }
}
for (const tier of tiers) walk(join('dist', 'test', tier))
if (files.length === 0) {
  console.error('no test files found under dist/test: run `npm run build` first')
  process.exit(1)
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files], { stdio: 'inherit' })
process.exit(result.status ?? 1)
