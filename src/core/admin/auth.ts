// HTTP basic auth for the admin API: `ro_admin` reads, `admin` also acts. Passwords are compared in constant time
// (as digests, so their lengths leak nothing either).
import { createHash, timingSafeEqual } from 'node:crypto'

export type Access = 'none' | 'read' | 'admin'

export interface Passwords { readonly readOnly: string, readonly full: string }

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

function same (a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

export function authorize (header: string | undefined, passwords: Passwords): Access {
  if (header === undefined || !header.startsWith('Basic ')) return 'none'
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return 'none'
  const user = decoded.slice(0, colon)
  const password = decoded.slice(colon + 1)
  // Both comparisons always run, so timing does not tell which account name exists.
  const isAdmin = same(password, passwords.full) && user === 'admin'
  const isReader = same(password, passwords.readOnly) && user === 'ro_admin'
  return isAdmin ? 'admin' : isReader ? 'read' : 'none'
}
