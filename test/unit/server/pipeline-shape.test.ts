// The request pipeline's shape (ARCHITECTURE.md, "One request"), checked on the source: front.ts only listens,
// counts connections and drains; each stage is spelled out once, in server/pipeline/, and the upgrade path takes
// the same stages rather than a copy of them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../helpers/tmp.js'

const server = join(repoRoot, 'src', 'core', 'server')
const source = (name: string): string => readFileSync(join(server, name), 'utf8')

test('front.ts hands requests to the pipeline and does none of its stages itself', () => {
  const front = source('front.ts')
  for (const stage of [/\.checkout\(/, /\.acquire\(/, /checkRequest\(/, /\.resolve\(/, /proxyRequest\(/, /\.handle\(/, /tryServe\(/]) {
    assert.doesNotMatch(front, stage)
  }
  assert.ok(front.split('\n').length < 150, 'front.ts stays small')
})

test('an upgrade takes the pipeline\'s admit, route and checkout stages, not copies of them', () => {
  const upgrade = source('upgrade.ts')
  for (const copy of [/checkRequest\(/, /\.acquire\(/, /\.checkout\(/, /stickyIdOf\(/, /applyPendingRestart\(\)/]) {
    assert.doesNotMatch(upgrade, copy)
  }
  for (const stage of [/\bbegin\(st,/, /\brefused\(req, res\)/, /\brouteFor\(st,/, /\btoProcess\(st,/]) assert.match(upgrade, stage)
})
