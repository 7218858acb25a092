// The URL a TCP server ended up listening on (port 0 resolved, IPv6 in brackets): what the logs and tests read.
import type { AddressInfo, Server } from 'node:net'

export function boundHttpUrl (server: Server): string {
  const a = server.address() as AddressInfo
  return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
}
