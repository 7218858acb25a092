// Where an instance keeps its pid and log files by default: derived from the same options by `start` and `stop`,
// so `ferry stop --port N` finds what `ferry start -d --port N` wrote.
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export interface PathOptions {
  readonly port: number
  readonly socket?: string
  readonly pidFile?: string
  readonly logFile?: string
  readonly instanceRegistryDir?: string
}

export function registryDir (o: PathOptions): string {
  return resolve(o.instanceRegistryDir ?? tmpdir())
}

function stem (o: PathOptions): string {
  if (o.socket === undefined) return `ferry.${o.port}`
  return `ferry.sock-${createHash('sha1').update(resolve(o.socket)).digest('hex').slice(0, 10)}`
}

export function defaultPidFile (o: PathOptions): string {
  return o.pidFile !== undefined ? resolve(o.pidFile) : join(registryDir(o), `${stem(o)}.pid`)
}

export function defaultDaemonLogFile (o: PathOptions): string {
  return o.logFile !== undefined ? resolve(o.logFile) : join(registryDir(o), `${stem(o)}.log`)
}

