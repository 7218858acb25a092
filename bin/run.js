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

/** The id of the build a bundle came from, on its last line (scripts/build-fast.ts); its cache starts with it. */
const BUILD_ID = /\/\/# ferry-build=([0-9a-f]{16})\n$/

/**
 * require() of a fast bundle, with the V8 code cache built next to it. V8 ignores a cache from another Node, but
 * takes one from another build of the bundle that has the same length (and runs its code): so only a cache whose
 * first line is the bundle's build id is used.
 */
function loadFast (file) {
  const source = readFileSync(file, 'utf8')
  const id = BUILD_ID.exec(source.slice(-64))?.[1]
  let cachedData
  try {
    const cache = id === undefined ? undefined : readFileSync(`${file}.cache`)
    if (cache !== undefined && cache.toString('latin1', 0, id.length + 1) === `${id}\n`) cachedData = cache.subarray(id.length + 1)
  } catch { /* none: compiled as usual */ }
  const script = new Script(wrap(source), { filename: file, cachedData })
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
