// `HOST:PORT` options (--admin-address, --metrics-address): parsed once, the same way, for the preflight check in the
// CLI and for the core that listens.
import { FerryError } from '../errors.js'

/** `HOST:PORT` (IPv6 hosts in brackets) given to --OPTION, as a listen address; `example` shows the form. */
export function parseListenAddress (option: string, value: string, example: string): { host: string, port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(value)
  const port = m === null ? NaN : Number(m[2])
  if (m === null || port > 65535) throw new FerryError('E_OPTION_INVALID', `--${option}: expected HOST:PORT, e.g. ${example}, got ${JSON.stringify(value)}`)
  return { host: m[1]!, port }
}

export const parseAdminAddress = (value: string): { host: string, port: number } =>
  parseListenAddress('admin-address', value, '127.0.0.1:3001')

export const parseMetricsAddress = (value: string): { host: string, port: number } =>
  parseListenAddress('metrics-address', value, '127.0.0.1:9100')
