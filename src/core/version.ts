// Ferry's version, read once from package.json (two levels above dist/src/core, three above src/core).
import { readFileSync } from 'node:fs'

function readVersion (): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'ferry' && typeof pkg.version === 'string') return pkg.version
    } catch { /* try the next location */ }
  }
  return '0.0.0'
}

export const FERRY_VERSION = readVersion()
