// The seams ARCHITECTURE.md asks for, checked on the source rather than left to review.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { repoRoot } from '../helpers/tmp.js'

function sources (dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|cjs)$/.test(name) ? [path] : []
  })
}

const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import|require)\s*\(?\s*['"]([^'"]+)['"]/g)].map(m => m[1]!)

test('src/core never imports oclif, chalk or cli-table3, nor the CLI', () => {
  for (const file of sources(join(repoRoot, 'src', 'core'))) {
    for (const spec of importsOf(file)) {
      assert.ok(!/^(@oclif\/|chalk|cli-table3)/.test(spec), `${relative(repoRoot, file)} imports ${spec}`)
      assert.ok(!spec.includes('/cli/') && !spec.includes('/commands/'), `${relative(repoRoot, file)} imports ${spec}`)
    }
  }
})

test('the pool knows nothing of HTTP or of loaders\' internals', () => {
  for (const file of sources(join(repoRoot, 'src', 'core', 'pool'))) {
    for (const spec of importsOf(file)) {
      assert.ok(!/^(node:)?(http|net)$|undici|\/server\//.test(spec), `${relative(repoRoot, file)} imports ${spec}`)
      assert.ok(!spec.includes('/spawn/') || spec.endsWith('/spawn/loader.js'), `${relative(repoRoot, file)} imports ${spec}`)
    }
  }
})

test('loaders never import the pool', () => {
  for (const file of sources(join(repoRoot, 'src', 'core', 'spawn'))) {
    for (const spec of importsOf(file)) assert.ok(!spec.includes('/pool/'), `${relative(repoRoot, file)} imports ${spec}`)
  }
})

test('the core never writes to the console nor exits the process outside its entry points', () => {
  const entryPoints = new Set(['core-main.ts', 'daemon-main.ts', 'preload.cjs'])
  for (const file of sources(join(repoRoot, 'src', 'core'))) {
    if (entryPoints.has(file.split('/').pop()!)) continue
    const text = readFileSync(file, 'utf8')
    assert.doesNotMatch(text, /console\.(log|error|warn|info)\(/, relative(repoRoot, file))
    assert.doesNotMatch(text, /process\.exit\(/, relative(repoRoot, file))
  }
})

test('the watchdog depends only on instance, log, config and errors: the core it runs lives in runtime/', () => {
  const watchdog = join(repoRoot, 'src', 'core', 'watchdog')
  // version.ts is a leaf (a constant read from package.json), like errors.ts: the instance registry records it.
  const allowed = /^(node:[a-z_/]+|\.\/[a-z-]+\.js|\.\.\/(instance|log|config)\/[a-z-]+\.js|\.\.\/(errors|version)\.js)$/
  for (const file of sources(watchdog)) {
    for (const spec of importsOf(file)) assert.match(spec, allowed, `${relative(repoRoot, file)} imports ${spec}`)
  }
})

test('every flag is made from the option table (src/core/config/options.ts), in src/cli/flags.ts alone', () => {
  const flags = join(repoRoot, 'src', 'cli', 'flags.ts')
  // src/cli/fast/ is the fast path's stand-in for oclif: it makes the Flags the table's flags are made with.
  const files = [...sources(join(repoRoot, 'src', 'commands')), ...sources(join(repoRoot, 'src', 'cli')).filter(f => !f.includes('/cli/fast/'))]
  for (const file of files.filter(f => f !== flags)) {
    assert.doesNotMatch(readFileSync(file, 'utf8'), /\bFlags\.[a-z]+\(/, `${relative(repoRoot, file)} defines a flag: add it to the option table`)
  }
})
