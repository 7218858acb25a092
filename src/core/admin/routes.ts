// The admin API's routes as one table: path, method, who may call it, and what it answers. The server (server.ts)
// does transport, limits and auth; handlers only turn the context into a reply.
import { isFerryError } from '../errors.js'
import type { Access } from './auth.js'
import { purgeTargetFrom, type PurgeTarget } from './purge-target.js'

export interface Reply {
  readonly status?: number
  readonly type: 'json' | 'text' | 'xml'
  readonly body: string
}

export interface AdminContext {
  info (): Record<string, unknown>
  poolJson (): Promise<unknown>
  /** passengerCompat: only the lines passenger-status prints (see views/pool-text.ts). */
  poolText (verbose: boolean, colorize: boolean, passengerCompat?: boolean): Promise<string>
  poolXml (verbose: boolean): Promise<string>
  serverJson (): unknown
  requestsJson (): unknown
  /** With `secrets` false (ro_admin), --envvar shows names only: their values are often API keys. */
  configJson (secrets: boolean): unknown
  detachProcess (pid: number): boolean
  /** False when no group has that name. Without a method, the instance's default (--rolling-restarts). */
  restartGroup (name: string, method: 'blocking' | 'rolling' | undefined): boolean
  shutdown (): void
  /** False when there is no log file (logging goes to a terminal). */
  reopenLogs (): boolean
  /** Re-reads the configuration: what was added, removed, changed; throws a FerryError when it is refused. */
  reload (): unknown
  /** Drops the turbocache entries `target` names and says how many; throws E_APP_NOT_FOUND for an unknown app. */
  purgeCache (target: PurgeTarget): number | Promise<number>
}

export interface Route {
  readonly method: 'GET' | 'POST'
  readonly access: Exclude<Access, 'none'>
  /** `access` is who asked: 'read' (ro_admin) or 'admin'. */
  handle (ctx: AdminContext, query: URLSearchParams, body: unknown, access: Exclude<Access, 'none'>): Promise<Reply> | Reply
}

const json = (value: unknown, status = 200): Reply => ({ status, type: 'json', body: JSON.stringify(value, null, 2) + '\n' })
/** A yes/no query parameter: absent is no; a value that is neither (say `undefined`) is the caller's bug: undefined. */
const yesNo = (q: URLSearchParams, name: string): boolean | undefined => {
  const v = q.get(name)
  if (v === null || /^(0|false|no)$/i.test(v)) return false
  return /^(1|true|yes)$/i.test(v) ? true : undefined
}
const badYesNo = (name: string): Reply => json({ status: 'error', message: `${name} must be true or false` }, 400)

export const API_VERSION = '1.0'

export const ROUTES: Readonly<Record<string, Route>> = {
  '/ping.json': { method: 'GET', access: 'read', handle: () => json({ status: 'ok' }) },
  '/info.json': { method: 'GET', access: 'read', handle: ctx => json(ctx.info()) },
  '/version.json': { method: 'GET', access: 'read', handle: ctx => json(ctx.info()) },
  '/pool.json': { method: 'GET', access: 'read', handle: async ctx => json(await ctx.poolJson()) },
  '/pool.txt': {
    method: 'GET',
    access: 'read',
    handle: async (ctx, q) => {
      const verbose = yesNo(q, 'verbose')
      const colorize = yesNo(q, 'colorize')
      const passengerCompat = yesNo(q, 'passenger_compat')
      if (verbose === undefined) return badYesNo('verbose')
      if (colorize === undefined) return badYesNo('colorize')
      if (passengerCompat === undefined) return badYesNo('passenger_compat')
      return { type: 'text', body: await ctx.poolText(verbose, colorize, passengerCompat) }
    }
  },
  '/pool.xml': {
    method: 'GET',
    access: 'read',
    handle: async (ctx, q) => {
      const verbose = yesNo(q, 'verbose')
      return verbose === undefined ? badYesNo('verbose') : { type: 'xml', body: await ctx.poolXml(verbose) }
    }
  },
  '/server.json': { method: 'GET', access: 'read', handle: ctx => json(ctx.serverJson()) },
  '/requests.json': { method: 'GET', access: 'read', handle: ctx => json(ctx.requestsJson()) },
  '/config.json': { method: 'GET', access: 'read', handle: (ctx, _q, _b, access) => json(ctx.configJson(access === 'admin')) },
  '/pool/detach_process.json': {
    method: 'POST',
    access: 'admin',
    handle: (ctx, _q, body) => {
      const pid = (body as { pid?: unknown } | undefined)?.pid
      if (typeof pid !== 'number' || !Number.isInteger(pid)) return json({ status: 'error', message: 'body must be {"pid": <integer>}' }, 400)
      return json({ detached: ctx.detachProcess(pid) })
    }
  },
  '/pool/restart_app_group.json': {
    method: 'POST',
    access: 'admin',
    handle: (ctx, _q, body) => {
      const b = body as { name?: unknown, restart_method?: unknown } | undefined
      if (typeof b?.name !== 'string') return json({ status: 'error', message: 'body must be {"name": <app group>, "restart_method": "blocking"|"rolling"}' }, 400)
      const method = b.restart_method
      if (method !== undefined && method !== 'blocking' && method !== 'rolling') return json({ status: 'error', message: 'restart_method must be "blocking" or "rolling"' }, 400)
      return json({ restarted: ctx.restartGroup(b.name, method) })
    }
  },
  '/reopen_logs.json': {
    method: 'POST',
    access: 'admin',
    handle: ctx => {
      let reopened: boolean
      try {
        reopened = ctx.reopenLogs()
      } catch (err) {
        // The path cannot be opened (a link planted there, say): the caller is told why; the old file stays in use.
        if (isFerryError(err)) return json({ status: 'error', code: err.code, message: err.message }, 422)
        throw err
      }
      return reopened
        ? json({ status: 'ok' })
        : json({ status: 'error', code: 'NO_LOG_FILE', message: 'this instance logs to its terminal (no --log-file): nothing to reopen' }, 409)
    }
  },
  '/reload.json': {
    method: 'POST',
    access: 'admin',
    handle: ctx => {
      try {
        return json({ status: 'ok', ...(ctx.reload() as object) })
      } catch (err) {
        const e = err as { code?: string, message?: string }
        return json({ status: 'error', code: e.code ?? 'E_INTERNAL', message: e.message ?? String(err) }, 422)
      }
    }
  },
  '/cache/purge.json': {
    method: 'POST',
    access: 'admin',
    handle: async (ctx, _q, body) => {
      try {
        return json({ status: 'ok', purged: await ctx.purgeCache(purgeTargetFrom(body)) })
      } catch (err) {
        if (!isFerryError(err)) throw err
        return json({ status: 'error', code: err.code, message: err.message }, err.code === 'E_USAGE' ? 400 : err.httpStatus)
      }
    }
  },
  '/shutdown.json': { method: 'POST', access: 'admin', handle: ctx => { ctx.shutdown(); return json({ status: 'ok' }) } }
}
