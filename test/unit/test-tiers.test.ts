// Issue 19: `bin/run.js` only in the CLI tier. Integration tests run the core in their own process (startCore in
// test/helpers/core.ts); a test that needs what only the CLI, the watchdog or the core's own process does belongs in
// test/cli/. Checked on the sources, so that a new integration test cannot quietly start the CLI again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { repoRoot } from '../helpers/tmp.js'

const HELPERS = join(repoRoot, 'test', 'helpers')
/** What test/helpers/ferry.ts exports that runs `bin/run.js`; the rest of it (logged, readyCount…) reads output. */
const CLI_STARTERS = new Set(['startFerry', 'startFly', 'runFerry', 'ferryBin'])

function sources (dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : []
  })
}

interface Import { readonly helper: string, readonly names: readonly string[] | 'all' }

/** The test helpers a file imports (by file name, e.g. `ferry.ts`), with the names it takes from each. */
function helperImports (file: string): Import[] {
  const text = readFileSync(file, 'utf8')
  const out: Import[] = []
  const helper = (spec: string): string | undefined => /(?:^|\/)helpers\/([^/]+)\.js$/.exec(spec)?.[1] ?? (file.startsWith(HELPERS) && /^\.\/[^/]+\.js$/.test(spec) ? basename(spec, '.js') : undefined)
  for (const m of text.matchAll(/import\s+(type\s+)?([^'";]*?)\s+from\s+['"]([^'"]+)['"]/g)) {
    const name = helper(m[3]!)
    if (name === undefined || m[1] !== undefined) continue
    const braces = /^\{([^}]*)\}$/.exec(m[2]!.trim())
    const names = braces === null
      ? 'all'
      : braces[1]!.split(',').map(s => s.trim()).filter(s => s !== '' && !s.startsWith('type ')).map(s => s.split(/\s+as\s+/)[0]!)
    out.push({ helper: `${name}.ts`, names })
  }
  // await import('…') takes whatever it likes from the module.
  for (const m of text.matchAll(/import\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const name = helper(m[1]!)
    if (name !== undefined) out.push({ helper: `${name}.ts`, names: 'all' })
  }
  return out
}

/** The helpers that run the CLI themselves (cli.ts, lab-app.ts…), found by what they import, to a fixed point. */
function cliHelpers (): Set<string> {
  const files = readdirSync(HELPERS).filter(n => n.endsWith('.ts') && n !== 'ferry.ts')
  const found = new Set<string>()
  for (let grew = true; grew;) {
    grew = false
    for (const name of files) {
      if (found.has(name)) continue
      if (helperImports(join(HELPERS, name)).some(i => startsCli(i, found))) { found.add(name); grew = true }
    }
  }
  return found
}

/**
 * Whether a file's text names the CLI's entry point itself: as one path ('bin/run.js'), as the parts a path join takes
 * ('bin', 'run.js'), or as ferry.ts's export.
 */
function namesCliEntry (text: string): boolean {
  return /bin\/run\.js|['"`]run\.js['"`]|\bferryBin\b/.test(text)
}

function startsCli (i: Import, cli: ReadonlySet<string>): boolean {
  if (cli.has(i.helper)) return true
  if (i.helper !== 'ferry.ts') return false
  return i.names === 'all' || i.names.some(n => CLI_STARTERS.has(n))
}

test('the helper scan knows which helpers run the CLI (so that the check below can fail)', () => {
  const cli = cliHelpers()
  assert.ok(cli.has('cli.ts'), `runCli's helper: ${[...cli].join(', ')}`)
  assert.ok(cli.has('lab-app.ts'), `a helper that calls startFerry: ${[...cli].join(', ')}`)
  assert.ok(!cli.has('core.ts') && !cli.has('http.ts'), `helpers that start no CLI: ${[...cli].join(', ')}`)
})

test('the entry-point scan sees bin/run.js however a test spells the path (so that the check below can fail)', () => {
  for (const text of ["spawn(process.execPath, ['bin/run.js'])", "spawn(process.execPath, [join(repoRoot, 'bin', 'run.js'), 'start'])",
    'const bin = resolve(root, "bin", "run.js")', 'spawn(process.execPath, [ferryBin])']) {
    assert.ok(namesCliEntry(text), text)
  }
  assert.ok(!namesCliEntry("import { startCore } from '../../helpers/core.js'"))
})

test('no integration test starts the CLI (bin/run.js): those that need it live in test/cli/', () => {
  const cli = cliHelpers()
  const offenders: string[] = []
  for (const file of sources(join(repoRoot, 'test', 'integration'))) {
    const where = relative(repoRoot, file)
    if (namesCliEntry(readFileSync(file, 'utf8'))) offenders.push(`${where} names bin/run.js`)
    for (const i of helperImports(file)) {
      if (!startsCli(i, cli)) continue
      const what = i.names === 'all' ? 'all of' : `${i.names.filter(n => cli.has(i.helper) || CLI_STARTERS.has(n)).join(', ')} from`
      offenders.push(`${where} imports ${what} helpers/${i.helper}`)
    }
  }
  assert.deepEqual(offenders, [], 'use startCore() from test/helpers/core.ts, or move the file to test/cli/ (git mv)')
})
