// What a turbocache purge names (`ferry cache purge`, POST /cache/purge.json): one URL, in every app and every
// variant; one app's entries; or everything. Checked here once, by the CLI before it picks an instance and by the
// admin API for any other caller, so both refuse the same input with the same line.
import { FerryError } from '../errors.js'
import type { KeyParts, Scheme } from '../cache/key.js'

export type PurgeTarget =
  | { readonly url: string }
  | { readonly app: string }
  | { readonly all: true }

/**
 * The key parts (see cache/key.ts urlKey) an absolute http(s) URL names: its scheme, its host with the port exactly
 * as written (the Host header clients send, which is what entries are keyed by) and its raw path and query, not
 * normalised (stored keys hold request targets as received). The fragment is never sent, so it is dropped.
 * E_USAGE for anything else, relative URLs and user:password@ included.
 */
export function purgeKeyParts (url: string): KeyParts {
  const m = /^(https?):\/\/([^/?#]*)([^#]*)/i.exec(url)
  if (m === null) {
    throw new FerryError('E_USAGE', `${JSON.stringify(url)} is not an absolute http or https URL: give it as clients ask for it, e.g. http://example.com/path?query`)
  }
  const [, scheme, host, rest] = m as unknown as [string, string, string, string]
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (host === '' || host.includes('@') || /[\s\x00-\x1f\x7f]/.test(url) || !URL.canParse(url)) {
    throw new FerryError('E_USAGE', `${JSON.stringify(url)} is not a URL Ferry can purge: it needs a host (no user:password@) and no spaces or control characters`)
  }
  return { scheme: scheme.toLowerCase() as Scheme, host, url: rest === '' ? '/' : rest.startsWith('/') ? rest : '/' + rest }
}

const SHAPE = 'body must be one of {"url": "<absolute http(s) URL>"}, {"app": "<app group name>"} or {"all": true}'

/** The admin API's request body as a purge target; E_USAGE (with the shape expected) when it names none or several. */
export function purgeTargetFrom (body: unknown): PurgeTarget {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new FerryError('E_USAGE', SHAPE)
  const b = body as Record<string, unknown>
  const named = ['url', 'app', 'all'].filter(k => b[k] !== undefined)
  if (named.length !== 1 || Object.keys(b).length !== 1) throw new FerryError('E_USAGE', SHAPE)
  if (typeof b.url === 'string') {
    purgeKeyParts(b.url)
    return { url: b.url }
  }
  if (typeof b.app === 'string' && b.app !== '') return { app: b.app }
  if (b.all === true) return { all: true }
  throw new FerryError('E_USAGE', SHAPE)
}
