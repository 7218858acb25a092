// Who app processes run as, by name and number, and the instance-wide settings Passenger's XML repeats per app.
// Read when a status view is asked for (never on the request path): /etc/passwd and /etc/group give the names.
import { readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { LOG_LEVELS, type FerryOptions } from '../config/options.js'
import { parseGroup, parsePasswd } from '../spawn/identity.js'
import type { GroupSnapshot } from '../pool/snapshot.js'
import type { CoreSettings, RunAs } from './status-snapshot.js'

/** The attributes the pipeline's dispatch stage (server/pipeline/checkout.ts) gives the sticky-sessions cookie after its Path. */
const STICKY_COOKIE_ATTRIBUTES = 'HttpOnly; SameSite=Lax'

export interface Accounts {
  userName (uid: number): string
  groupName (gid: number): string
  /** A user's primary group, by user name; undefined for an unknown user. */
  primaryGid (user: string): number | undefined
}

function read (path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** Names from the system's account files; an id without one prints as its number. */
export function systemAccounts (passwd = read('/etc/passwd'), group = read('/etc/group')): Accounts {
  const users = parsePasswd(passwd)
  const groups = parseGroup(group)
  return {
    userName: uid => users.find(u => u.uid === uid)?.name ?? String(uid),
    groupName: gid => groups.find(g => g.gid === gid)?.name ?? String(gid),
    primaryGid: name => users.find(u => u.name === name)?.gid
  }
}

/** Ferry's own user: apps run as it unless Ferry is root (then as GroupSnapshot.identity). */
export function ownRunAs (accounts: Accounts): RunAs {
  const uid = process.getuid?.() ?? 0
  const gid = process.getgid?.() ?? 0
  let user = accounts.userName(uid)
  try { user = userInfo().username } catch { /* no passwd entry: the number */ }
  return { user, uid, group: accounts.groupName(gid), gid }
}

export function runAsOf (g: GroupSnapshot, own: RunAs, accounts: Accounts): RunAs {
  const id = g.identity
  return id === null ? own : { user: id.user, uid: id.uid, group: accounts.groupName(id.gid), gid: id.gid }
}

/** Passenger's number for a log level (its scale matches Ferry's names: 0 crit … 5 debug). */
function logLevelNumber (level: string): number {
  const i = (LOG_LEVELS as readonly string[]).indexOf(level)
  return i >= 0 ? i : /^\d$/.test(level) ? Number(level) : 3
}

export function coreSettings (o: Pick<FerryOptions, 'logLevel' | 'user' | 'group'>, integrationMode: string, own: RunAs, accounts: Accounts): CoreSettings {
  // Root Ferry never runs an app as root: --user, else the startup file's owner, else nobody (spawn/identity.ts).
  const root = own.uid === 0
  const user = o.user ?? (root ? 'nobody' : own.user)
  const gid = o.group === undefined ? accounts.primaryGid(user) : undefined
  const group = o.group ?? (gid === undefined ? (root ? 'nogroup' : own.group) : accounts.groupName(gid))
  return {
    integration_mode: integrationMode,
    log_level: logLevelNumber(String(o.logLevel)),
    default_user: user,
    default_group: group,
    nodejs: process.execPath,
    sticky_sessions_cookie_attributes: STICKY_COOKIE_ATTRIBUTES
  }
}
