// Writes man/*.1 from the tables (see src/cli/man.ts). Run by `npm run man`.
import { writeFileSync, mkdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderManPages } from '../src/cli/man.js'
import { COMMANDS } from '../src/cli/commands-meta.js'

const manDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'man')
mkdirSync(manDir, { recursive: true })
for (const [name, text] of Object.entries(renderManPages(COMMANDS))) writeFileSync(join(manDir, name), text)
process.stdout.write(`wrote ${Object.keys(renderManPages(COMMANDS)).join(', ')} to ${manDir}\n`)
