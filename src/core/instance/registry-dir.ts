// Where instances are registered by default, and whether a registry can be believed. The default is per user and
// writable by nobody else, so another local user cannot plant a fake instance (with password files linked to a
// real one's) where `ferry status` or `restart-app` would send it the admin passwords:
//   root                  /run/ferry (0755: other users may see that an instance runs; its secrets stay 0600)
//   others                $XDG_RUNTIME_DIR/ferry when that is the user's own 0700 directory (systemd's /run/user/UID),
//                         else <temp dir>/ferry-<uid> (0700)
// `--instance-registry-dir` / FERRY_INSTANCE_REGISTRY_DIR still choose any directory (even a shared one): there,
// each instance is checked before it is believed (registry.ts).
import { lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { FerryError } from '../errors.js'
import { isTrustedOwner, myUid, octalMode, openToOthers } from './file-trust.js'

export interface DefaultRegistryContext {
  readonly uid?: number
  readonly env?: NodeJS.ProcessEnv
  /** The temp dir (default: os.tmpdir(), which honours $TMPDIR). */
  readonly tmp?: string
  /** Where root's registry goes (default /run). */
  readonly run?: string
}

const isDir = (path: string): boolean => { try { return statSync(path).isDirectory() } catch { return false } }

export function defaultRegistryDir (c: DefaultRegistryContext = {}): string {
  const uid = c.uid ?? myUid()
  const env = c.env ?? process.env
  const run = c.run ?? '/run'
  if (uid === 0 && isDir(run)) return join(run, 'ferry')
  const xdg = env['XDG_RUNTIME_DIR']
  if (xdg !== undefined && isAbsolute(xdg)) {
    const st = lstatSync(xdg, { throwIfNoEntry: false })
    // pam_systemd makes it 0700 and the user's; anything else (e.g. a sudo that kept another user's) is not used.
    if (st?.isDirectory() === true && st.uid === uid && (st.mode & 0o077) === 0) return join(xdg, 'ferry')
  }
  return join(c.tmp ?? tmpdir(), `ferry-${uid}`)
}

/**
 * Makes sure the registry exists before an instance, pid or log file goes there. The default registry is created
 * (0700, root's 0755) and must then be a real directory of the caller's that nobody else can write: one another user
 * made first, or a symlink, is refused (E_REGISTRY_UNSAFE) rather than used. A directory given explicitly is created
 * if missing, as before, and used as it is.
 */
export function ensureRegistryDir (dir: string, c: DefaultRegistryContext = {}): void {
  const isDefault = resolve(dir) === resolve(defaultRegistryDir(c))
  try {
    if (!isDefault) { mkdirSync(dir, { recursive: true }); return }
    mkdirSync(dirname(dir), { recursive: true })
    mkdirSync(dir, { mode: (c.uid ?? myUid()) === 0 ? 0o755 : 0o700 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new FerryError('E_PID_FILE', `cannot create the instance registry directory ${dir}: ${(err as Error).message}`, { cause: err })
    }
  }
  const st = lstatSync(dir)
  const uid = c.uid ?? myUid()
  const why = st.isSymbolicLink() ? 'it is a symbolic link'
    : !st.isDirectory() ? 'it is not a directory'
      : st.uid !== uid ? `it belongs to uid ${st.uid}, not to you (uid ${uid})`
        : (st.mode & 0o022) !== 0 ? `others can write to it (mode ${octalMode(st.mode)})`
          : undefined
  if (why !== undefined) {
    throw new FerryError('E_REGISTRY_UNSAFE', `the instance registry ${dir} cannot be trusted: ${why}; ` +
      'remove it (another user may have made it) or pass --instance-registry-dir')
  }
}

/**
 * Why instances in `dir` cannot be believed at all, or undefined: some directory on the way (symlinks resolved) belongs
 * to another user, or others can write to it without the sticky bit — then they could swap an instance directory
 * for their own between our checks and our use of it.
 */
export function distrustRegistryPath (dir: string): string | undefined {
  let real: string
  try { real = realpathSync(dir) } catch { return undefined } // missing: nothing to believe anyway
  const parts = real.split(sep).filter(p => p !== '')
  for (let i = 0; i <= parts.length; i++) {
    const path = sep + parts.slice(0, i).join(sep)
    let st
    try { st = lstatSync(path) } catch { return undefined }
    if (!isTrustedOwner(st.uid)) return `${path} belongs to uid ${st.uid}, not to you (uid ${myUid()}) or root`
    if (openToOthers(st.mode)) return `others can write to ${path} (mode ${octalMode(st.mode, 0o7777)})`
  }
  return undefined
}
