// Writes man/*.1 from the tables (see src/cli/man.ts), one page per command of oclif.manifest.json (which the build
// writes just before: `npm run man` builds first), and lists them all in package.json "man" so that installing the
// package installs every page. Run by `npm run man`.
import { readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadCommandMetas, renderManPages } from '../src/cli/man.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const manDir = join(root, 'man')
const pages = renderManPages(loadCommandMetas(root))
mkdirSync(manDir, { recursive: true })
// A page of a command that no longer exists goes too.
for (const name of readdirSync(manDir)) if (/^ferry.*\.1$/.test(name) && !(name in pages)) rmSync(join(manDir, name))
for (const [name, text] of Object.entries(pages)) writeFileSync(join(manDir, name), text)

const pkgFile = join(root, 'package.json')
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { man?: string[] }
pkg.man = Object.keys(pages).map(name => `./man/${name}`)
writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n')
process.stdout.write(`wrote ${Object.keys(pages).join(', ')} to ${manDir}, and listed them in package.json "man"\n`)
