// The admin API client the commands use: HTTP over the instance's Unix socket (got), authenticated with the
// password from the instance directory. Failures become the FerryErrors whose exit codes monitoring relies on.
import { readFileSync } from 'node:fs'
import got, { type Method } from 'got'
import { FerryError } from '../errors.js'
import type { InstanceRecord } from '../instance/registry.js'

export interface AdminReply { readonly status: number, readonly body: string }

export interface AdminRequest {
  readonly method?: Method
  readonly body?: unknown
  /** ro_admin for views, admin for actions. */
  readonly account?: 'ro_admin' | 'admin'
  readonly timeoutMs?: number
}

function password (instance: InstanceRecord, account: 'ro_admin' | 'admin'): string {
  const path = account === 'admin' ? instance.paths.fullAdminPassword : instance.paths.readOnlyAdminPassword
  try {
    return readFileSync(path, 'utf8').trim()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM') {
      throw new FerryError('E_NOT_AUTHORIZED', `cannot read ${path}: run this as the instance's user or with sudo`, { cause: err })
    }
    throw new FerryError('E_API_UNREACHABLE', `cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
}

export async function adminRequest (instance: InstanceRecord, path: string, o: AdminRequest = {}): Promise<AdminReply> {
  const account = o.account ?? 'ro_admin'
  const secret = password(instance, account)
  try {
    const res = await got(`unix:${instance.paths.adminSocket}:${path}`, {
      method: o.method ?? 'GET',
      enableUnixSockets: true,
      username: account,
      password: secret,
      json: o.body,
      throwHttpErrors: false,
      retry: { limit: 0 },
      timeout: { request: o.timeoutMs ?? 5000 }
    })
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new FerryError('E_NOT_AUTHORIZED', `the admin API refused the ${account} account (${res.statusCode}): run this as the instance's user or with sudo`)
    }
    return { status: res.statusCode, body: res.body }
  } catch (err) {
    if (err instanceof FerryError) throw err
    const e = err as NodeJS.ErrnoException
    const why = e.code === 'ETIMEDOUT' ? `did not answer within ${(o.timeoutMs ?? 5000) / 1000} s` : `could not be reached (${e.code ?? e.message})`
    throw new FerryError('E_API_UNREACHABLE', `the admin API of instance ${instance.name} ${why}`, { cause: err })
  }
}
