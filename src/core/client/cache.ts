// `ferry cache purge`: drops turbocache entries of a running instance through its admin API (full-admin account).
// An APP is named as `ferry restart-app` names it (a group name, or a directory), resolved here against the pool.
import { FerryError } from '../errors.js'
import type { InstanceRecord } from '../instance/registry.js'
import type { PurgeTarget } from '../admin/purge-target.js'
import { callJson, groupNames, resolveApp } from './actions.js'

/** What was purged (the target as the instance knows it: an APP directory becomes its group name) and how many. */
export type PurgeResult = PurgeTarget & { readonly purged: number }

export async function purgeCache (instance: InstanceRecord, target: PurgeTarget, timeoutMs: number): Promise<PurgeResult> {
  const resolved: PurgeTarget = 'app' in target ? { app: resolveApp(target.app, await groupNames(instance, timeoutMs), instance) } : target
  const reply = await callJson(instance, '/cache/purge.json', { body: resolved, timeoutMs })
  if (typeof reply.purged !== 'number') throw new FerryError('E_API_UNREACHABLE', `the admin API of instance ${instance.name} gave no count of purged entries`)
  return { ...resolved, purged: reply.purged }
}
