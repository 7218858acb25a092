#!/usr/bin/env node
// The `ferry` executable. Commands live in dist/src/commands (built by `npm install` through the prepare script).
// The commands monitoring calls every few seconds (status, memory-stats) also have a bundle of their own in
// dist/cli/fast, which runs a plain command line without loading oclif; for anything else (help, --json, an error
// to explain) it hands over to oclif, which then runs the command as usual. See scripts/build-fast.ts.
// Built-in modules come from process.getBuiltinModule: an import would build an ES module facade for each.
const { existsSync, readFileSync } = process.getBuiltinModule('node:fs')
const { createRequire, enableCompileCache, wrap } = process.getBuiltinModule('node:module')
const { dirname } = process.getBuiltinModule('node:path')
const { fileURLToPath } = process.getBuiltinModule('node:url')
const { Script } = process.getBuiltinModule('node:vm')

// Node 22.1+: cache compiled code between runs (Node 20 has no such API; there this does nothing).
enableCompileCache?.()

/** require() of a fast bundle, with the V8 code cache built next to it (V8 ignores one that does not fit). */
function loadFast (file) {
  let cachedData
  try { cachedData = readFileSync(`${file}.cache`) } catch { /* none: compiled as usual */ }
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData })
  const module = { exports: {} }
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file))
  return module.exports
}

const argv = process.argv.slice(2)
const root = new URL('../', import.meta.url)
const fast = argv[0] !== undefined && /^[a-z][a-z-]*$/.test(argv[0]) && process.env.FERRY_NO_FAST_PATH === undefined
  ? fileURLToPath(new URL(`dist/cli/fast/${argv[0]}.cjs`, root))
  : undefined
const done = fast !== undefined && existsSync(fast) && await loadFast(fast).run(argv.slice(1), root)
if (!done) {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
