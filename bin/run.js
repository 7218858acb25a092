#!/usr/bin/env node
// The `ferry` executable. Commands live in dist/src/commands (built by `npm install` through the prepare script).
// The commands monitoring calls every few seconds (status, memory-stats) also have a bundle of their own in
// dist/cli/fast, which runs a plain command line without loading oclif; for anything else (help, --json, an error
// to explain) it hands over to oclif, which then runs the command as usual. See scripts/build-fast.ts.
// Built-in modules come from process.getBuiltinModule: an import would build an ES module facade for each.
const { existsSync } = process.getBuiltinModule('node:fs')
const { createRequire, enableCompileCache } = process.getBuiltinModule('node:module')
const { fileURLToPath } = process.getBuiltinModule('node:url')

// Node 22.1+: cache compiled code between runs (Node 20 has no such API; there this does nothing).
enableCompileCache?.()

const argv = process.argv.slice(2)
const root = new URL('../', import.meta.url)
const fast = argv[0] !== undefined && /^[a-z][a-z-]*$/.test(argv[0]) && process.env.FERRY_NO_FAST_PATH === undefined
  ? new URL(`dist/cli/fast/${argv[0]}.cjs`, root)
  : undefined
const done = fast !== undefined && existsSync(fast) && await createRequire(import.meta.url)(fileURLToPath(fast)).run(argv.slice(1), root)
if (!done) {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
