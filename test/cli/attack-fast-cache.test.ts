// The fast CLI path's V8 code cache (dist/cli/fast/<id>.cjs.cache) must never run code other than its bundle's.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { Module, createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Script } from 'node:vm'
import { repoRoot, tmpDir } from '../helpers/tmp.js'

/** A fast bundle that prints `word`; both words have one length, as two builds of a bundle may. */
const bundle = (word: string): string => `const word = ${JSON.stringify(word)}\nmodule.exports = { run: async () => { process.stdout.write(word + '\\n'); return true } }\n`

/** The cache as a build makes it: V8's code cache after running the bundle's top level (scripts/build-fast.ts). */
function cacheOf (file: string, source: string): Buffer {
  const script = new Script(Module.wrap(source), { filename: file })
  ;(script.runInThisContext() as (...a: unknown[]) => void)({}, createRequire(file), { exports: {} }, file, dirname(file))
  return script.createCachedData()
}

// V8 checks a code cache only against the source's length (and its own version and flags): bin/run.js ran the old
// build's compiled code when a bundle was replaced by one of the same length without its cache.
test('a code cache left from another build of a bundle (same length) does not run the old build\'s code', (t: TestContext) => {
  const root = tmpDir(t)
  const fast = join(root, 'dist', 'cli', 'fast')
  mkdirSync(fast, { recursive: true })
  mkdirSync(join(root, 'bin'))
  copyFileSync(join(repoRoot, 'bin', 'run.js'), join(root, 'bin', 'run.js'))
  copyFileSync(join(repoRoot, 'package.json'), join(root, 'package.json'))
  const file = join(fast, 'status.cjs')
  writeFileSync(`${file}.cache`, cacheOf(file, bundle('OLD')))
  writeFileSync(file, bundle('NEW')) // the upgrade replaced the bundle, not its cache
  const out = execFileSync(process.execPath, [join(root, 'bin', 'run.js'), 'status'], { encoding: 'utf8', env: { ...process.env, FERRY_NO_FAST_PATH: undefined } })
  assert.equal(out, 'NEW\n')
})
