// The linter `npm test` runs (eslint.config.mjs) keeps the seams of boundaries.test.ts and refuses import cycles:
// checked on code that breaks them, so that a config that quietly stops applying is caught.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { ESLint } from 'eslint'
import { repoRoot } from '../helpers/tmp.js'

const eslint = new ESLint({ cwd: repoRoot })

/** The rules that fire on `text` as if it were the file at `path` (relative to the repository). */
async function rulesFiring (path: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: join(repoRoot, path) })
  return result!.messages.map(m => m.ruleId ?? `fatal: ${m.message}`)
}

test('src/core may not import the CLI\'s libraries nor the CLI', async () => {
  assert.deepEqual(await rulesFiring('src/core/log/x.ts', 'import { Flags } from \'@oclif/core\'\nexport const f = Flags\n'), ['no-restricted-imports'])
  assert.deepEqual(await rulesFiring('src/core/admin/x.ts', 'import chalk from \'chalk\'\nexport const c = chalk\n'), ['no-restricted-imports'])
  assert.deepEqual(await rulesFiring('src/core/log/x.ts', 'import type { SelectFor } from \'../../cli/select-instance.js\'\nexport type S = SelectFor\n'), ['no-restricted-imports'])
  assert.deepEqual(await rulesFiring('src/cli/x.ts', 'import chalk from \'chalk\'\nexport const c = chalk\n'), [], 'the CLI may')
})

test('the pool may not import HTTP, the server, nor loaders\' internals', async () => {
  assert.deepEqual(await rulesFiring('src/core/pool/x.ts', 'import { createServer } from \'node:http\'\nexport const s = createServer\n'), ['no-restricted-imports'])
  assert.deepEqual(await rulesFiring('src/core/pool/x.ts', 'import type { FrontServer } from \'../server/front.js\'\nexport type F = FrontServer\n'), ['no-restricted-imports'])
  assert.deepEqual(await rulesFiring('src/core/pool/x.ts', 'import { x } from \'../spawn/child.js\'\nexport const y = x\n'), ['no-restricted-imports'])
  assert.deepEqual(await rulesFiring('src/core/pool/x.ts', 'import type { Loader } from \'../spawn/loader.js\'\nexport type L = Loader\n'), [])
  assert.deepEqual(await rulesFiring('src/core/pool/x.ts', 'import chalk from \'chalk\'\nexport const c = chalk\n'), ['no-restricted-imports'], 'and the core\'s rules still hold')
})

test('an import cycle is an error', async () => {
  // errors.ts importing a module that imports errors.ts back.
  assert.deepEqual(await rulesFiring('src/core/errors.ts', 'import { SHOW } from \'./client/status.js\'\nexport const s = SHOW\n'), ['import-x/no-cycle'])
})

test('an error is not re-coded by patching fields onto it', async () => {
  assert.deepEqual(await rulesFiring('src/core/x.ts', 'export const e = Object.assign(new Error(\'x\'), { code: \'E_X\' })\n'), ['no-restricted-syntax'])
  assert.deepEqual(await rulesFiring('src/core/x.ts', 'export const o = Object.assign({}, { a: 1 })\n'), [])
})
