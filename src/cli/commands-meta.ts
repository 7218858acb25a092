// Every command of the package, with what its man page needs, found the way oclif finds them (every file under
// the commands directory, ids from file names), so a new command gets its man page and its place in ferry(1) and in
// package.json "man" without anyone listing it here.
import { Plugin } from '@oclif/core'
import { fileURLToPath } from 'node:url'
import type { CommandMeta } from './man.js'

/** dist/src/cli/commands-meta.js -> the package root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

export async function loadCommandMetas (root: string = ROOT): Promise<CommandMeta[]> {
  const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true })
  await plugin.load()
  return plugin.commands
    .filter(c => c.hidden !== true)
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(c => ({
      id: c.id,
      summary: c.summary,
      description: c.description,
      examples: c.examples as CommandMeta['examples'],
      flags: Object.fromEntries(Object.entries(c.flags).filter(([name]) => name !== 'json')),
      json: c.enableJsonFlag === true,
      args: Object.keys(c.args)
    }))
}

