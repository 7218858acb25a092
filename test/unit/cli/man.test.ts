import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { renderManPages } from '../../../src/cli/man.js'
import { COMMANDS } from '../../../src/cli/commands-meta.js'
import { ERRORS } from '../../../src/core/errors.js'
import { optionsFor } from '../../../src/core/config/options.js'
import { repoRoot } from '../../helpers/tmp.js'

const manDir = join(repoRoot, 'man')

test('the committed man pages are what the tables generate (run `npm run man` after changing them)', () => {
  const pages = renderManPages(COMMANDS)
  assert.deepEqual(readdirSync(manDir).sort(), Object.keys(pages).sort())
  for (const [name, text] of Object.entries(pages)) assert.equal(readFileSync(join(manDir, name), 'utf8'), text, name)
})

test('every error code is documented in ferry(1), and every code documented there exists', () => {
  const page = readFileSync(join(manDir, 'ferry.1'), 'utf8').replace(/\\-/g, '-')
  for (const code of Object.keys(ERRORS)) assert.ok(page.includes(code), `${code} missing from man/ferry.1`)
  for (const m of page.matchAll(/\bE_[A-Z_]+\b/g)) assert.ok(m[0] in ERRORS, `${m[0]} is documented but not in the error table`)
})

test('each error table key has a unique spec and a summary', () => {
  for (const [code, spec] of Object.entries(ERRORS)) {
    assert.match(code, /^E_[A-Z_]+$/)
    assert.ok(spec.summary.length > 5)
    assert.ok(Number.isInteger(spec.exitCode) && spec.exitCode > 0)
  }
})

test('every start option appears in ferry-start(1)', () => {
  const page = readFileSync(join(manDir, 'ferry-start.1'), 'utf8').replace(/\\-/g, '-')
  for (const o of optionsFor('start')) assert.ok(page.includes(`--${o.name}`), o.name)
})
