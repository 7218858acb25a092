// `ferry restart-app` and `ferry detach-process`: actions on a running instance through its admin API, with the
// full-admin account. What an APP argument means is decided here, so the commands stay thin.
import { realpathSync } from 'node:fs'
import { resolve } from 'node:path'
import { ERRORS, FerryError, type ErrorCode } from '../errors.js'
import type { InstanceRecord } from '../instance/registry.js'
import { adminRequest } from './admin-client.js'

/** An action's JSON answer; an error answer that carries one of Ferry's codes is rethrown as that error here. */
export async function callJson (instance: InstanceRecord, path: string, o: { body?: unknown, timeoutMs: number }): Promise<Record<string, unknown>> {
  const post = o.body !== undefined
  const reply = await adminRequest(instance, path, post ? { method: 'POST', account: 'admin', body: o.body, timeoutMs: o.timeoutMs } : { timeoutMs: o.timeoutMs })
  let body: unknown
  try {
    body = JSON.parse(reply.body)
  } catch {
    body = undefined
  }
  if (reply.status !== 200 || typeof body !== 'object' || body === null) {
    const { message: why, code } = (body ?? {}) as { message?: unknown, code?: unknown }
    if (typeof code === 'string' && code in ERRORS && typeof why === 'string') throw new FerryError(code as ErrorCode, why)
    throw new FerryError('E_API_UNREACHABLE', `the admin API answered ${reply.status} to ${path}${typeof why === 'string' ? `: ${why}` : ''}`)
  }
  return body as Record<string, unknown>
}

interface GroupRef { readonly name: string, readonly app_root?: string }

/** The app groups the instance has now, as `ferry status` lists them. */
export async function groupNames (instance: InstanceRecord, timeoutMs: number): Promise<GroupRef[]> {
  const snapshot = await callJson(instance, '/pool.json', { timeoutMs }) as { pool?: { groups?: GroupRef[] } }
  return (snapshot.pool?.groups ?? []).map(g => ({ name: g.name, app_root: g.app_root }))
}

/**
 * The group an APP argument means: a group name exactly as listed, else a directory (relative to the current one,
 * symlinks resolved) that is a group's name or app root. E_APP_NOT_FOUND, naming what the instance serves, otherwise.
 */
export function resolveApp (app: string, groups: readonly GroupRef[], instance: InstanceRecord, cwd = process.cwd()): string {
  const exact = groups.find(g => g.name === app)
  if (exact !== undefined) return exact.name
  const path = resolve(cwd, app)
  const candidates = new Set([path])
  try { candidates.add(realpathSync(path)) } catch { /* missing or unreadable: match the path as given */ }
  const found = groups.find(g => candidates.has(g.name) || (g.app_root !== undefined && candidates.has(g.app_root)))
  if (found !== undefined) return found.name
  throw appNotFound(app, groups, instance)
}

function appNotFound (app: string, groups: readonly GroupRef[], instance: InstanceRecord): FerryError {
  const shown = groups.slice(0, 5).map(g => g.name).join(', ') + (groups.length > 5 ? `, and ${groups.length - 5} more` : '')
  const serves = groups.length === 0 ? 'it serves no app yet' : `it serves ${shown}`
  return new FerryError('E_APP_NOT_FOUND', `instance ${instance.name} does not serve ${app} (${serves}; see \`ferry status\`)`)
}

export interface RestartResult {
  /** The groups a restart was started for. */
  readonly restarted: readonly string[]
  /** 'default': the instance's --rolling-restarts (or the app's own setting) decides. */
  readonly method: 'rolling' | 'default'
}

/**
 * Restarts one app (APP) or every app of the instance. Returns once each restart has begun: new processes start
 * in the background. Without `rolling` no method is sent, so the instance's configured default applies.
 */
export async function restartApps (instance: InstanceRecord, app: string | undefined, rolling: boolean, timeoutMs: number): Promise<RestartResult> {
  const groups = await groupNames(instance, timeoutMs)
  const targets = app === undefined ? groups.map(g => g.name) : [resolveApp(app, groups, instance)]
  const restarted: string[] = []
  for (const name of targets) {
    const body = rolling ? { name, restart_method: 'rolling' } : { name }
    const reply = await callJson(instance, '/pool/restart_app_group.json', { body, timeoutMs })
    if (reply.restarted === true) restarted.push(name)
    // The group went away since the listing (a reload removed it): an error when it was asked for by name.
    else if (app !== undefined) throw appNotFound(app, groups.filter(g => g.name !== name), instance)
  }
  return { restarted, method: rolling ? 'rolling' : 'default' }
}

/** Takes one process out of rotation; it finishes its requests and stops. E_PROCESS_NOT_FOUND when no live process has that PID. */
export async function detachProcess (instance: InstanceRecord, pid: number, timeoutMs: number): Promise<void> {
  const reply = await callJson(instance, '/pool/detach_process.json', { body: { pid }, timeoutMs })
  if (reply.detached !== true) throw new FerryError('E_PROCESS_NOT_FOUND', `no app process with PID ${pid} in instance ${instance.name} (see \`ferry status\`)`)
}
