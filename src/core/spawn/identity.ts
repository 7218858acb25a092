// Who an app process runs as. When Ferry runs as root (flying mode behind nginx usually does), app processes never
// do: each runs as --user if given (the operator's choice: a flag or a --config file only root can write), else as
// the owner of its startup file (the app directory for generic apps), and as `nobody` when that owner is root.
// An app never runs as a user its directory's owner could not already act as: when that owner is not root, a
// startup file of someone else (a symlink into another user's files, a package.json "main" pointing there) runs
// as the directory's owner. Node has no getpwnam(), so /etc/passwd and /etc/group are read here; the parsers take
// the file text, so they are tested without touching the system's files.
import { readFileSync, statSync, type Stats } from 'node:fs'
import { FerryError } from '../errors.js'

export interface Identity {
  readonly uid: number
  readonly gid: number
  readonly user: string
  readonly home: string
  readonly shell: string
}

interface PasswdEntry { readonly name: string, readonly uid: number, readonly gid: number, readonly home: string, readonly shell: string }

/** The login shell of an owner without a passwd entry, and of entries that name none. */
const NO_SHELL = '/usr/sbin/nologin'

export function parsePasswd (text: string): PasswdEntry[] {
  const out: PasswdEntry[] = []
  for (const line of text.split('\n')) {
    const f = line.split(':')
    if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6] !== '' ? f[6]! : NO_SHELL })
  }
  return out
}

export function parseGroup (text: string): Array<{ name: string, gid: number }> {
  const out: Array<{ name: string, gid: number }> = []
  for (const line of text.split('\n')) {
    const f = line.split(':')
    if (f.length < 3 || !/^\d+$/.test(f[2]!)) continue
    out.push({ name: f[0]!, gid: Number(f[2]) })
  }
  return out
}

/** A group's id by name (Node has no getgrnam); undefined when there is no such group. */
export function groupIdByName (name: string, files: SystemFiles = readSystemFiles()): number | undefined {
  return parseGroup(files.group).find(g => g.name === name)?.gid
}

export interface IdentityRequest {
  /** The app directory (real path): only users its owner can act as are chosen by default. */
  readonly appRoot: string
  /** The file whose owner the app runs as by default (startup file, or the app root for generic apps). */
  readonly ownerOf: string
  readonly user?: string | undefined
  readonly group?: string | undefined
}

export interface SystemFiles { readonly passwd: string, readonly group: string }

function readSystemFiles (): SystemFiles {
  const read = (path: string): string => { try { return readFileSync(path, 'utf8') } catch { return '' } }
  return { passwd: read('/etc/passwd'), group: read('/etc/group') }
}

/**
 * The identity to switch to, or undefined when Ferry does not run as root (then apps run as Ferry's user, and
 * --user/--group are ignored: only root can switch).
 */
export function appIdentity (r: IdentityRequest, euid = process.geteuid?.() ?? -1, files: SystemFiles = readSystemFiles()): Identity | undefined {
  if (euid !== 0) return undefined
  const users = parsePasswd(files.passwd)
  let entry: PasswdEntry | undefined
  if (r.user !== undefined) {
    entry = /^\d+$/.test(r.user) ? users.find(u => u.uid === Number(r.user)) : users.find(u => u.name === r.user)
    if (entry === undefined) throw new FerryError('E_OPTION_INVALID', `--user: no user ${r.user} on this machine`)
  } else {
    const st = defaultOwner(r)
    const owner = st.uid
    entry = owner === 0 ? undefined : users.find(u => u.uid === owner)
    // An owner without a passwd entry (a file from a tarball, a container's volume) still names a safe uid; its group
    // is the file's, which its owner could set (root's group still becomes nogroup below).
    if (entry === undefined && owner !== 0) entry = { name: String(owner), uid: owner, gid: st.gid, home: '/', shell: NO_SHELL }
    entry ??= users.find(u => u.name === 'nobody') ?? { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent', shell: NO_SHELL }
  }
  if (entry.uid === 0) {
    throw new FerryError('E_OPTION_INVALID', `--user ${r.user ?? ''}: app processes never run as root; name an unprivileged user`)
  }
  let gid = entry.gid
  if (r.group !== undefined) {
    const g = /^\d+$/.test(r.group) ? { gid: Number(r.group) } : parseGroup(files.group).find(x => x.name === r.group)
    if (g === undefined) throw new FerryError('E_OPTION_INVALID', `--group: no group ${r.group} on this machine`)
    if (g.gid === 0) throw new FerryError('E_OPTION_INVALID', '--group: app processes never run in the root group; name another group')
    gid = g.gid
  } else if (gid === 0) {
    // A user whose primary group is root still must not get root's group.
    gid = parseGroup(files.group).find(x => x.name === 'nogroup')?.gid ?? 65534
  }
  return { uid: entry.uid, gid, user: entry.name, home: entry.home, shell: entry.shell }
}

/**
 * The stat of the file whose owner the app runs as: the startup file's, unless the app directory belongs to an
 * ordinary user and the file to someone else; then the directory's, as that user could not act as the other.
 */
function defaultOwner (r: IdentityRequest): Stats {
  const file = statSync(r.ownerOf)
  const dir = r.appRoot === r.ownerOf ? file : statSync(r.appRoot)
  return dir.uid !== 0 && file.uid !== dir.uid ? dir : file
}
