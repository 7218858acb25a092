import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { Interfaces } from '@oclif/core'
import { commandsOfManifest, loadCommandMetas, manPageTitle, renderManPages } from '../../../src/cli/man.js'
import { ERRORS, EXIT, EXIT_MEANINGS } from '../../../src/core/errors.js'
import { optionsFor } from '../../../src/core/config/options.js'
import { repoRoot } from '../../helpers/tmp.js'

const manDir = join(repoRoot, 'man')

/** Command ids as oclif derives them: every compiled file under dist/src/commands, `cache/purge.js` is cache:purge. */
function commandIdsOnDisk (): string[] {
  const dir = join(repoRoot, 'dist', 'src', 'commands')
  const ids: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith('.js')) ids.push(relative(dir, path).slice(0, -'.js'.length).split('/').join(':'))
    }
  }
  walk(dir)
  return ids.sort()
}

test('every command has its man page, listed in ferry(1) and in package.json "man" so that npm installs it', () => {
  const ids = commandIdsOnDisk()
  assert.ok(ids.length >= 9, `only ${ids.length} commands found`)
  assert.deepEqual((loadCommandMetas(repoRoot)).map(c => c.id).sort(), ids)
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { man?: string[] }
  const listed = new Set(pkg.man ?? [])
  const main = readFileSync(join(manDir, 'ferry.1'), 'utf8')
  for (const id of ids) {
    const page = `${manPageTitle(id)}.1`
    assert.ok(readdirSync(manDir).includes(page), `man/${page} missing (run \`npm run man\`)`)
    assert.ok(listed.has(`./man/${page}`), `./man/${page} is not in package.json "man" (run \`npm run man\`)`)
    assert.ok(main.includes(`\\fB${manPageTitle(id).replace(/-/g, '\\-')}\\fR(1)`), `ferry(1) does not refer to ${page}`)
  }
  assert.ok(listed.has('./man/ferry.1'))
  assert.equal(listed.size, ids.length + 1, 'package.json "man" lists a page of no command')
})

test('pages come from oclif.manifest.json: a command it lists gets one, with its flags and --json; hidden ones do not', () => {
  const flag = (name: string, description: string): Record<string, unknown> => ({ name, description, type: 'boolean', allowNo: false })
  const manifest = {
    version: '0.0.0',
    commands: {
      'cache:warm': {
        id: 'cache:warm', summary: 'fill the turbocache', description: 'Asks for every URL.', examples: [], enableJsonFlag: true,
        args: { URL: { name: 'URL' } }, flags: { json: flag('json', 'Format output as json.'), dry: flag('dry', 'only list the URLs') }
      },
      secret: { id: 'secret', summary: 'not for users', hidden: true, args: {}, flags: {} }
    }
  } as unknown as Interfaces.Manifest
  const pages = renderManPages(commandsOfManifest(manifest))
  assert.deepEqual(Object.keys(pages).sort(), ['ferry-cache-warm.1', 'ferry.1'])
  const page = pages['ferry-cache-warm.1']!
  assert.match(page, /^\\fBferry cache warm\\fR \[\\fIOPTIONS\\fR\] \[\\fIURL\\fR\]$/m)
  assert.match(page, /^\\fB\\-\\-dry\\fR\nonly list the URLs$/m)
  assert.match(page, /^\\fB\\-\\-json\\fR\nPrint the result as JSON, for scripts\.$/m)
  assert.doesNotMatch(page, /Format output as json/)
  assert.match(pages['ferry.1']!, /ferry\\-cache\\-warm\\fR\(1\)/)
})

test('no example expands a shell variable the user meant for Ferry: $PORT and the like go in single quotes', () => {
  for (const c of loadCommandMetas(repoRoot)) {
    for (const e of c.examples ?? []) {
      // Inside double quotes the user's shell expands $PORT (to nothing) before Ferry sees it.
      assert.doesNotMatch(e.command, /"[^"']*\$[A-Za-z_][^"]*"/, `ferry ${c.id}: ${e.command}`)
    }
  }
})

test('the committed man pages are what the tables generate (run `npm run man` after changing them)', () => {
  const pages = renderManPages(loadCommandMetas(repoRoot))
  assert.deepEqual(readdirSync(manDir).sort(), Object.keys(pages).sort())
  for (const [name, text] of Object.entries(pages)) assert.equal(readFileSync(join(manDir, name), 'utf8'), text, name)
})

test('every error code is documented in ferry(1), and every code documented there exists', () => {
  const page = readFileSync(join(manDir, 'ferry.1'), 'utf8').replace(/\\-/g, '-')
  for (const code of Object.keys(ERRORS)) assert.ok(page.includes(code), `${code} missing from man/ferry.1`)
  for (const m of page.matchAll(/\bE_[A-Z_]+\b/g)) assert.ok(m[0] in ERRORS, `${m[0]} is documented but not in the error table`)
})

test('ferry(1) says in words what each exit status means, above the error codes that exit with it', () => {
  const page = readFileSync(join(manDir, 'ferry.1'), 'utf8').replace(/\\-/g, '-')
  for (const n of new Set([...Object.values(EXIT), ...Object.values(ERRORS).map(e => e.exitCode)])) {
    const meaning = EXIT_MEANINGS[n]
    assert.ok(meaning !== undefined && meaning.length > 5, `exit ${n} has no line in EXIT_MEANINGS`)
    assert.ok(page.includes(`.TP\n\\fB${n}\\fR\n${meaning}\n`), `man/ferry.1 does not say what exit ${n} means`)
  }
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
