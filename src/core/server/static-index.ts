// The in-memory index of the files under public/ that Ferry may serve itself, so that a request which is not a
// static file costs one Map lookup and no file-system call. The walk is written once, as a generator that yields the
// file-system calls it needs; one driver runs it synchronously (at start-up, so the index is ready when the server
// listens) and one asynchronously (re-indexing after a change, without blocking requests), as Babel's gensync does.
import { readdirSync, realpathSync, statSync, promises as fsp, type Dirent } from 'node:fs'
import { join, sep } from 'node:path'

export interface StaticIndex {
  /** URL path ('/css/site.css', and '/' or '/docs/' for an index.html) → path relative to the public root */
  readonly files: ReadonlyMap<string, string>
  /** Files indexed; a file reachable as both '/docs/index.html' and '/docs/' counts once. */
  readonly fileCount: number
  /** True when the walk stopped at maxFiles files (or maxFiles directories). */
  readonly truncated: boolean
}

export const EMPTY_INDEX: StaticIndex = Object.freeze({
  files: new Map<string, string>(), fileCount: 0, truncated: false
})

const INDEX_FILE = 'index.html'

// One file-system call the walk needs. 'resolve' is realpath + stat, used for symlinks and unknown entry types.
type FsCall = { readonly op: 'readdir', readonly path: string } | { readonly op: 'resolve', readonly path: string }
interface Resolved { readonly real: string, readonly isFile: boolean, readonly isDirectory: boolean }
type FsReply = readonly Dirent[] | Resolved | undefined
type Walk = Generator<FsCall, StaticIndex, FsReply>

interface PendingDir {
  readonly real: string
  /** URL path of the directory relative to the root, '' or ending in '/' */
  readonly rel: string
  /** Real paths from the root down to this directory, so a symlink back up cannot loop. */
  readonly ancestors: readonly string[]
}

/** Whether a file or directory name may appear in a served URL: no dot-files (.git, .env), no backslashes. */
export function isServableName (name: string): boolean {
  return name.length > 0 && name[0] !== '.' && !name.includes('\\')
}

/** The path of `target` relative to `root` ('a/b.css'), or undefined when target is not strictly inside root. */
export function relativeInside (root: string, target: string): string | undefined {
  const prefix = root.endsWith(sep) ? root : root + sep
  if (!target.startsWith(prefix) || target.length === prefix.length) return undefined
  return target.slice(prefix.length)
}

/** Whether every segment of a relative path is servable (used on the real path a symlink resolves to). */
export function isServableRelative (rel: string): boolean {
  return rel.split(sep).every(isServableName)
}

// The walk: depth-first over real directories, skipping dot-files, following a symlink only when its real path is
// inside the root (and not under a dot-directory), and stopping after maxFiles files or maxFiles directories.
function * walk (root: string, maxFiles: number): Walk {
  const files = new Map<string, string>()
  let fileCount = 0
  let dirCount = 0
  const stack: PendingDir[] = [{ real: root, rel: '', ancestors: [root] }]
  while (stack.length > 0) {
    const dir = stack.pop()!
    if (++dirCount > maxFiles) return { files, fileCount, truncated: true }
    const entries = (yield { op: 'readdir', path: dir.real }) as readonly Dirent[] | undefined
    for (const entry of sortByName(entries ?? [])) {
      if (!isServableName(entry.name)) continue
      const rel = dir.rel + entry.name
      const found = (entry.isFile() || entry.isDirectory())
        ? { real: join(dir.real, entry.name), isFile: entry.isFile(), isDirectory: entry.isDirectory() }
        : (yield { op: 'resolve', path: join(dir.real, entry.name) }) as Resolved | undefined
      if (found === undefined || !isInsideServable(root, found.real)) continue
      if (found.isFile) {
        if (fileCount >= maxFiles) return { files, fileCount, truncated: true }
        addFile(files, rel)
        fileCount++
      } else if (found.isDirectory && !dir.ancestors.includes(found.real)) {
        stack.push({ real: found.real, rel: rel + '/', ancestors: [...dir.ancestors, found.real] })
      }
    }
  }
  return { files, fileCount, truncated: false }
}

function isInsideServable (root: string, real: string): boolean {
  const rel = relativeInside(root, real)
  return rel !== undefined && isServableRelative(rel)
}

// Sorted, so that which files a truncated index keeps does not depend on the order readdir returns.
function sortByName (entries: readonly Dirent[]): Dirent[] {
  return [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

// Register a file under its URL path, and an index.html also under its directory's URL ('/' or '/docs/').
function addFile (files: Map<string, string>, rel: string): void {
  files.set('/' + rel, rel)
  if (rel === INDEX_FILE || rel.endsWith('/' + INDEX_FILE)) files.set('/' + rel.slice(0, -INDEX_FILE.length), rel)
}

function callSync (call: FsCall): FsReply {
  try {
    if (call.op === 'readdir') return readdirSync(call.path, { withFileTypes: true })
    const real = realpathSync.native(call.path)
    const st = statSync(real)
    return { real, isFile: st.isFile(), isDirectory: st.isDirectory() }
  } catch {
    return undefined // vanished, dangling symlink, no permission: leave it out
  }
}

async function callAsync (call: FsCall): Promise<FsReply> {
  try {
    if (call.op === 'readdir') return await fsp.readdir(call.path, { withFileTypes: true })
    const real = await fsp.realpath(call.path)
    const st = await fsp.stat(real)
    return { real, isFile: st.isFile(), isDirectory: st.isDirectory() }
  } catch {
    return undefined
  }
}

/** Index the regular files under `root` (a real path) synchronously. Never throws; a missing root gives no files. */
export function buildIndexSync (root: string, maxFiles: number): StaticIndex {
  const steps = walk(root, maxFiles)
  let step = steps.next()
  while (step.done !== true) step = steps.next(callSync(step.value))
  return step.value
}

/** The same index, built without blocking the event loop. Never rejects. */
export async function buildIndex (root: string, maxFiles: number): Promise<StaticIndex> {
  const steps = walk(root, maxFiles)
  let step = steps.next()
  while (step.done !== true) step = steps.next(await callAsync(step.value))
  return step.value
}
