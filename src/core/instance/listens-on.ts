// Picks instances by the address they listen on (properties.json `listen`), for `--port N` / `--socket PATH` in
// every command that addresses an instance: the registry knows a foreground instance's address as well as a daemon's.
import { resolve } from 'node:path'
import type { InstanceRecord } from './registry.js'

export interface AddressFilter {
  readonly test: (i: InstanceRecord) => boolean
  /** For errors: "listens on port 3000". */
  readonly what: string
}

/** The filter for --socket (preferred) or --port; undefined when neither is given. */
export function listensOn (o: { port?: number | undefined, socket?: string | undefined }): AddressFilter | undefined {
  if (o.socket !== undefined) {
    const url = `unix:${resolve(o.socket)}`
    return { test: i => i.listen.includes(url), what: `listens on ${resolve(o.socket)}` }
  }
  if (o.port !== undefined) {
    const port = o.port
    return { test: i => i.listen.some(u => portOf(u) === port), what: `listens on port ${port}` }
  }
  return undefined
}

function portOf (url: string): number | undefined {
  try {
    const u = new URL(url)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined
    return Number(u.port !== '' ? u.port : u.protocol === 'https:' ? 443 : 80)
  } catch {
    return undefined
  }
}
