// The admin API client the commands use: HTTP over the instance's Unix socket, authenticated with the password
// from the instance directory. Failures become the FerryErrors whose exit codes monitoring relies on. Credentials go
// only to an instance whose files belong to the caller or root (see registry.ts, file-trust.ts).
// Plain node:http rather than got: `ferry status` runs every few seconds from cron and monitoring, and importing
// got measured 92 ms of a 260 ms run here, for one request on a local socket that needs none of its features.
import { lstatSync, type Stats } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { FerryError } from '../errors.js'
import type { InstanceRecord } from '../instance/registry.js'
import { distrust, readRegularFile } from '../instance/file-trust.js'

export interface AdminReply { readonly status: number, readonly body: string }

export interface AdminRequest {
  readonly method?: 'GET' | 'POST'
  readonly body?: unknown
  /** ro_admin for views, admin for actions. */
  readonly account?: 'ro_admin' | 'admin'
  readonly timeoutMs?: number
}

const isPermission = (err: unknown): boolean => ['EACCES', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')

/**
 * The account's password, read without following symlinks and checked on the open file (the registry checked the
 * instance already; this closes the gap between that check and this read). E_INSTANCE_UNTRUSTED when it is not ours.
 */
function password (instance: InstanceRecord, account: 'ro_admin' | 'admin'): string {
  const path = account === 'admin' ? instance.paths.fullAdminPassword : instance.paths.readOnlyAdminPassword
  let read: { text: string, stat: Stats }
  try {
    read = readRegularFile(path)
  } catch (err) {
    if (isPermission(err)) {
      throw new FerryError('E_NOT_AUTHORIZED', `cannot read ${path}: run this as the instance's user or with sudo`, { cause: err })
    }
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ELOOP') throw untrusted(instance, `${path} is a symbolic link`)
    if (code === 'ENOTFILE') throw untrusted(instance, `${path} is not a regular file`)
    throw new FerryError('E_API_UNREACHABLE', `cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
  const why = distrust(read.stat, path)
  if (why !== undefined) throw untrusted(instance, why)
  return read.text.trim()
}

const untrusted = (instance: InstanceRecord, why: string): FerryError =>
  new FerryError('E_INSTANCE_UNTRUSTED', `instance ${instance.name} is not used: ${why}; its admin credentials were not sent`)

/** The admin socket must be a socket of the caller's or root's, not a link to somewhere else. */
function checkSocket (instance: InstanceRecord): void {
  const path = instance.paths.adminSocket
  const st = lstatSync(path, { throwIfNoEntry: false })
  if (st === undefined) return // connecting reports it
  const why = st.isSymbolicLink() || st.isSocket() ? distrust(st, path) : `${path} is not a socket`
  if (why !== undefined) throw untrusted(instance, why)
}

export async function adminRequest (instance: InstanceRecord, path: string, o: AdminRequest = {}): Promise<AdminReply> {
  const account = o.account ?? 'ro_admin'
  checkSocket(instance)
  const secret = password(instance, account)
  const timeoutMs = o.timeoutMs ?? 5000
  const body = o.body === undefined ? undefined : JSON.stringify(o.body)
  let reply: AdminReply
  try {
    reply = await send(instance.paths.adminSocket, path, {
      method: o.method ?? 'GET',
      authorization: `Basic ${Buffer.from(`${account}:${secret}`).toString('base64')}`,
      body,
      timeoutMs
    })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (isPermission(err)) {
      throw new FerryError('E_NOT_AUTHORIZED', `you may not connect to the admin socket of instance ${instance.name} (${e.code ?? ''}): run this as the instance's user or with sudo`, { cause: err })
    }
    const why = e.code === 'ETIMEDOUT' ? `did not answer within ${timeoutMs / 1000} s` : `could not be reached (${e.code ?? e.message})`
    throw new FerryError('E_API_UNREACHABLE', `the admin API of instance ${instance.name} ${why}`, { cause: err })
  }
  if (reply.status === 401 || reply.status === 403) {
    throw new FerryError('E_NOT_AUTHORIZED', `the admin API refused the ${account} account (${reply.status}): run this as the instance's user or with sudo`)
  }
  return reply
}

interface SendOptions { method: string, authorization: string, body: string | undefined, timeoutMs: number }

/** The exchange's deadline passed: coded like the system's timeout, which adminRequest reports the same way. */
class ExchangeTimeout extends Error {
  readonly code = 'ETIMEDOUT'
  constructor () { super('timed out') }
}

function send (socketPath: string, path: string, o: SendOptions): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: o.authorization, host: 'localhost' }
    if (o.body !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(o.body) }
    // Straight to the socket, without an http.Agent: an agent names the connection by checking whether the host is an
    // IP address, and compiling that check's IPv6 pattern costs ~10 ms of each `ferry status` run (see bench/status.ts).
    const req = request({ createConnection: () => connect(socketPath), path, method: o.method, headers }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    // One deadline for the whole exchange: a stopped core accepts the connection (the kernel does) but never answers.
    const timer = setTimeout(() => req.destroy(new ExchangeTimeout()), o.timeoutMs)
    req.on('error', err => { clearTimeout(timer); reject(err) })
    req.end(o.body)
  })
}
