// `ferry reload`'s core: ask the instance to re-read its configuration and say what changed.
import { FerryError } from '../errors.js'
import type { InstanceRecord } from '../instance/registry.js'
import { adminRequest } from './admin-client.js'

export interface ReloadResult {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly changed: readonly string[]
  readonly unchanged: readonly string[]
  /** Instance-wide options that changed in the file but apply only after a restart. */
  readonly needs_restart: readonly string[]
}

export async function reloadInstance (instance: InstanceRecord, timeoutMs: number): Promise<ReloadResult> {
  const reply = await adminRequest(instance, '/reload.json', { method: 'POST', account: 'admin', body: {}, timeoutMs })
  let body: { status?: string, code?: string, message?: string } & Partial<ReloadResult>
  try {
    body = JSON.parse(reply.body) as typeof body
  } catch {
    throw new FerryError('E_API_UNREACHABLE', `the admin API answered ${reply.status} with something that is not JSON`)
  }
  if (reply.status === 422) {
    // The running configuration stays; the reason is the instance's own one-line error.
    throw new FerryError('E_CONFIG_INVALID', `not reloaded, the running configuration stays: ${body.message ?? 'unknown reason'}`)
  }
  if (reply.status !== 200) throw new FerryError('E_API_UNREACHABLE', `the admin API answered ${reply.status} to /reload.json`)
  return { added: body.added ?? [], removed: body.removed ?? [], changed: body.changed ?? [], unchanged: body.unchanged ?? [], needs_restart: body.needs_restart ?? [] }
}
