// Where an instance keeps its pid and log files by default: derived from the same options by `start` and `stop`,
// so `ferry stop --port N` finds what `ferry start -d --port N` wrote.
import { createHash } from 'node:crypto'
import { registryDirFrom } from '../instance/registry.js'
import { ensureRegistryDir } from '../instance/registry-dir.js'
import { join, resolve } from 'node:path'

export interface PathOptions {
  readonly port: number
  readonly socket?: string
  readonly pidFile?: string
  readonly logFile?: string
  readonly instanceRegistryDir?: string
}

function registryDir (o: PathOptions): string {
  return registryDirFrom({ instanceRegistryDir: o.instanceRegistryDir, env: process.env })
}

function stem (o: PathOptions): string {
  if (o.socket === undefined) return `ferry.${o.port}`
  return `ferry.sock-${createHash('sha1').update(resolve(o.socket)).digest('hex').slice(0, 10)}`
}

export function defaultPidFile (o: PathOptions): string {
  return o.pidFile !== undefined ? resolve(o.pidFile) : join(registryDir(o), `${stem(o)}.pid`)
}

/** The log file; when it goes to the registry (the default), the registry is made first (registry-dir.ts). */
export function defaultDaemonLogFile (o: PathOptions): string {
  if (o.logFile !== undefined) return resolve(o.logFile)
  const dir = registryDir(o)
  ensureRegistryDir(dir)
  return join(dir, `${stem(o)}.log`)
}

