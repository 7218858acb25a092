import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from 'undici'
import type { TestContext } from 'node:test'

/** The one finalized instance directory in a registry. */
export function instanceDirIn (registry: string): string {
  const dirs = readdirSync(registry).filter(n => /^ferry\.[a-z0-9]{8}$/.test(n) && statSync(join(registry, n)).isDirectory())
  if (dirs.length !== 1) throw new Error(`expected one instance in ${registry}, found ${dirs.join(', ')}`)
  return join(registry, dirs[0]!)
}

export interface AdminCall { status: number, headers: Record<string, string | string[] | undefined>, body: string }

/** Calls the admin API over its Unix socket as `account` (or without credentials). */
export function adminClient (t: TestContext, dir: string): (path: string, o?: { method?: string, account?: 'admin' | 'ro_admin' | 'none', body?: string, password?: string }) => Promise<AdminCall> {
  const client = new Client('http://localhost', { socketPath: join(dir, 'admin.sock') })
  t.after(() => client.close())
  return async (path, o = {}) => {
    const account = o.account ?? 'ro_admin'
    const headers: Record<string, string> = {}
    if (account !== 'none') {
      const file = account === 'admin' ? 'full_admin_password.txt' : 'read_only_admin_password.txt'
      const password = o.password ?? readFileSync(join(dir, file), 'utf8').trim()
      headers.authorization = `Basic ${Buffer.from(`${account}:${password}`).toString('base64')}`
    }
    if (o.body !== undefined) headers['content-type'] = 'application/json'
    const res = await client.request({ path, method: (o.method ?? 'GET') as 'GET', headers, body: o.body })
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
  }
}
