// `ferry reopen-logs`'s core: after logrotate moved the log file away, the instance (core and watchdog) opens the
// path again, so new lines go to a new file and the old one can be compressed.
import { FerryError } from '../errors.js'
import type { InstanceRecord } from '../instance/registry.js'
import { adminRequest } from './admin-client.js'

export async function reopenLogs (instance: InstanceRecord, timeoutMs: number): Promise<void> {
  const reply = await adminRequest(instance, '/reopen_logs.json', { method: 'POST', account: 'admin', body: {}, timeoutMs })
  if (reply.status === 409) {
    throw new FerryError('E_LOG_FILE', `instance ${instance.name} logs to its terminal (started without --log-file): there is no log file to reopen`)
  }
  if (reply.status === 422) {
    const why = parsed(reply.body)
    throw new FerryError('E_LOG_FILE', `instance ${instance.name} kept its old log file: ${why ?? 'the path could not be opened'}`)
  }
  if (reply.status !== 200) throw new FerryError('E_API_UNREACHABLE', `the admin API answered ${reply.status} to /reopen_logs.json`)
}

function parsed (body: string): string | undefined {
  try { return (JSON.parse(body) as { message?: string }).message } catch { return undefined }
}
