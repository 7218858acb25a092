// Writes oclif.manifest.json, so that running one command loads only that command's module instead of every
// command file: `ferry status` is run by cron and monitoring every few seconds, so its start-up time matters.
// Run after every build (`npm run build`), as oclif's own `oclif manifest` would.
import { writeFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Plugin } from '@oclif/core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true })
await plugin.load()
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(plugin.manifest, null, 2) + '\n')
