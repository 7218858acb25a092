// Bundles the commands that monitoring runs every few seconds into one file each, dist/cli/fast/<id>.cjs, with
// src/cli/fast/oclif-lite.ts in place of @oclif/core: bin/run.js runs them from there without loading oclif (and
// its ~200 modules), and falls back to oclif for any command line the lite parser leaves to it. Run by
// `npm run build` after tsc, so `npx ferry` works from a fresh clone after `npm install` (prepare).
import { build, type Plugin } from 'esbuild'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

/** The commands worth a fast path: those cron jobs and monitoring agents call. Any other command loads oclif. */
export const FAST_COMMANDS = ['status', 'memory-stats'] as const

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const dist = join(root, 'dist')
const outDir = join(dist, 'cli', 'fast')
const lite = join(dist, 'src', 'cli', 'fast', 'oclif-lite.js')

const oclifLite: Plugin = {
  name: 'oclif-lite',
  setup (b) {
    b.onResolve({ filter: /^@oclif\/core$/ }, () => ({ path: lite }))
  }
}

rmSync(outDir, { recursive: true, force: true })
for (const id of FAST_COMMANDS) {
  const command = join(dist, 'src', 'commands', `${id}.js`)
  const result = await build({
    stdin: {
      contents: `import C from ${JSON.stringify(command)}\nimport { runFast } from ${JSON.stringify(lite)}\n` +
        `export const run = (argv, root) => runFast(C, ${JSON.stringify(id)}, argv, root)\n` +
        // For test/unit/cli/oclif-lite.test.ts: the command as bundled, its flags made by the lite Flags.
        `export { C as Command }\nexport { parseArgv, NeedOclif } from ${JSON.stringify(lite)}\n`,
      resolveDir: root,
      loader: 'js',
      sourcefile: `fast-${id}.js`
    },
    bundle: true,
    platform: 'node',
    // CommonJS: require() of Node's built-in modules skips the ES module facades an import builds for each of them,
    // and the loader's per-module work (~15 ms together, a fifth of the time Passenger's status takes).
    format: 'cjs',
    target: 'node20',
    outfile: join(outDir, `${id}.cjs`),
    plugins: [oclifLite],
    metafile: true,
    logLevel: 'warning'
  })
  for (const input of Object.keys(result.metafile.inputs)) {
    // A bundled file lives elsewhere than its source: a path computed from import.meta.url would be wrong.
    if (input === `fast-${id}.js` || input.includes('node_modules')) continue
    if (/import\.meta\.(url|dirname|filename)/.test(readFileSync(join(root, input), 'utf8'))) {
      throw new Error(`${input} uses import.meta, which a bundle cannot keep: keep it off the path of ${FAST_COMMANDS.join(', ')}`)
    }
  }
}
/**
 * V8's code cache for a bundle, next to it (<id>.cjs.cache): bin/run.js hands it to V8, which then skips compiling
 * the code it holds (~2.5 ms a run). It is made by running the bundle's top level, as a real run does first. A
 * cache from another Node or V8 is rejected by V8 itself, and the bundle is compiled as usual.
 */
function writeCodeCache (file: string): void {
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file })
  const module = { exports: {} }
  ;(script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file))
  writeFileSync(`${file}.cache`, script.createCachedData())
}

for (const id of FAST_COMMANDS) writeCodeCache(join(outDir, `${id}.cjs`))
process.stdout.write(`fast paths bundled: ${FAST_COMMANDS.map(id => `dist/cli/fast/${id}.cjs`).join(', ')}\n`)
