// Whether a --config file may say who apps run as. When Ferry is root, "user", "group" and "pass-env" in that file
// are root's decisions, so only a file nobody else could have written or swapped may make them: the file, every
// directory on its way (as named and as resolved) and any symlink on that way belong to root or Ferry's own user,
// and none is writable by others (a sticky directory such as /tmp may be: others cannot replace root's file in it).
import { lstatSync, realpathSync, type Stats } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { openToOthers } from '../instance/file-trust.js'

const WRITABLE_BY_OTHERS = 0o022

/**
 * Why the file (already opened: `opened` is the fstat of what was read) cannot be trusted with identity options,
 * or undefined when it can. `euid` is Ferry's user; root is always trusted.
 */
export function distrustReason (path: string, opened: Stats, euid: number): string | undefined {
  const trusted = (uid: number): boolean => uid === 0 || uid === euid
  if (!trusted(opened.uid)) return `it belongs to uid ${opened.uid}`
  if ((opened.mode & WRITABLE_BY_OTHERS) !== 0) return 'its group or others can write it'
  const absolute = resolve(path)
  let real: string
  try {
    real = realpathSync(absolute)
  } catch {
    return 'it was moved while being read'
  }
  for (const p of new Set([...ancestry(absolute), ...ancestry(real)])) {
    let st: Stats
    try {
      st = lstatSync(p)
    } catch {
      return `${p} was moved while being read`
    }
    if (st.isSymbolicLink()) {
      if (!trusted(st.uid)) return `the symlink ${p} belongs to uid ${st.uid}`
      continue
    }
    if (p === real || p === absolute) continue // the file itself: checked on the opened file above
    if (!trusted(st.uid)) return `its directory ${p} belongs to uid ${st.uid}`
    if (openToOthers(st.mode)) return `its group or others can write its directory ${p}`
  }
  return undefined
}

/** The path and every directory above it, up to /. */
function ancestry (path: string): string[] {
  const out = [path]
  for (let p = dirname(path); ; p = dirname(p)) {
    out.push(p)
    if (p === dirname(p)) return out
  }
}
