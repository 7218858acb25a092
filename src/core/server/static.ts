// Static files: the core answers GET and HEAD for files under APP_DIR/public itself, before a request reaches the
// pool. Whether a request is a static file is decided from an in-memory index (static-index.ts), so other requests
// cost no file-system call. Nothing outside the real path of public/ is ever served: the request path must be
// canonical, must be in the index, and its real path is checked again at serve time before `send` opens it.
import { realpathSync, statSync, realpath, watch, type FSWatcher } from 'node:fs'
import { dirname, join, posix, sep } from 'node:path'
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import send from 'send'
import { FerryError } from '../errors.js'
import {
  buildIndex, buildIndexSync, EMPTY_INDEX, isServableRelative, relativeInside, type StaticIndex
} from './static-index.js'

export interface StaticFiles {
  /** true when this request was a static file and has been (or is being) answered */
  /** `path`: the request target as the app sees it (without its base URI); req.url by default. */
  tryServe (req: IncomingMessage, res: ServerResponse, path?: string): boolean
  /** Whether tryServe would answer this request: a look in the in-memory index, no file-system call. */
  matches (method: string | undefined, path: string): boolean
  readonly fileCount: number
  close (): void
}

export interface StaticFilesOptions {
  /** Most files indexed (and most directories walked); past it the index stops and onError is called once. */
  readonly maxFiles?: number
  /** Problems that do not stop serving: index truncated, watcher failed, a file that could not be read. */
  readonly onError?: (err: Error) => void
}

const DEFAULTS = {
  maxFiles: 100_000, // files
  reindexDelayMs: 100 // after the first change event, so a burst of changes costs one walk
} as const

const DISABLED: StaticFiles = Object.freeze({ tryServe: () => false, matches: () => false, fileCount: 0, close: () => {} })

/** Serve the files under `publicDir`; a handler that serves nothing when publicDir is not a directory. */
export function createStaticFiles (publicDir: string, options: StaticFilesOptions = {}): StaticFiles {
  const maxFiles = validateMaxFiles(options.maxFiles ?? DEFAULTS.maxFiles)
  const onError = options.onError ?? (() => {})
  const root = resolvePublicRoot(publicDir, onError)
  if (root === undefined) return DISABLED
  const state = { index: EMPTY_INDEX, truncationReported: false, closed: false }
  const apply = (index: StaticIndex): void => {
    state.index = index
    if (index.truncated && !state.truncationReported) {
      state.truncationReported = true
      onError(new Error(`${root} holds more than ${maxFiles} files or directories; only the first ${maxFiles} ` +
        'files are served (raise maxFiles)'))
    }
  }
  apply(buildIndexSync(root, maxFiles))
  const stopWatching = watchForChanges(root, () => buildIndex(root, maxFiles).then(index => {
    if (!state.closed) apply(index)
  }), onError)
  const lookup = (method: string | undefined, path: string | undefined): string | undefined => {
    if (method !== 'GET' && method !== 'HEAD') return undefined
    return indexedFile(state.index.files, path)
  }
  return {
    tryServe: (req, res, path = req.url) => {
      const rel = lookup(req.method, path)
      if (rel === undefined) return false
      serveFile(req, res, root, rel, onError)
      return true
    },
    matches: (method, path) => lookup(method, path) !== undefined,
    get fileCount () { return state.index.fileCount },
    close: () => {
      state.closed = true
      stopWatching()
    }
  }
}

function validateMaxFiles (value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value
  throw new FerryError('E_OPTION_INVALID', `maxFiles must be a positive integer, received ${String(value)}`)
}

// The real path of public/, or undefined (serve nothing) when it is missing, not a directory, or leads out of the app
// directory: the core may run as root, and whoever owns the app could point public/ at /etc or another user's files.
function resolvePublicRoot (publicDir: string, onError: (err: Error) => void): string | undefined {
  try {
    const root = realpathSync.native(publicDir)
    const app = realpathSync.native(dirname(publicDir))
    if (root !== app && !root.startsWith(app.endsWith(sep) ? app : app + sep)) {
      onError(new Error(`${publicDir} leads to ${root}, outside the app directory: no static files are served`))
      return undefined
    }
    return statSync(root).isDirectory() ? root : undefined
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') onError(new Error(`cannot read ${publicDir}`, { cause: err }))
    return undefined
  }
}

/**
 * The URL path to look up for a request target, or undefined when it is not one Ferry serves itself: only
 * origin-form targets ('/…'), query stripped, percent-decoded once, and canonical (no '.' or '..' segments, no
 * empty segments, no dot-files, no NUL, no backslash). Anything else is left to the app.
 */
export function normalizeRequestPath (url: string | undefined): string | undefined {
  if (url === undefined || url[0] !== '/') return undefined
  const query = url.indexOf('?')
  const raw = query === -1 ? url : url.slice(0, query)
  let path: string
  try {
    path = raw.includes('%') ? decodeURIComponent(raw) : raw
  } catch {
    return undefined // malformed percent-encoding
  }
  if (path.includes('\0') || path.includes('\\') || path.includes('/.')) return undefined
  return posix.normalize(path) === path ? path : undefined
}

/**
 * The indexed file a request target names (normalizeRequestPath's path, looked up in `files`), the cheapest test
 * first: most requests name no file, and a target without '%' is its own path, so one Map lookup of it (no decoding,
 * no normalising) decides them; only a target the index holds, or one with '%', pays for the canonical checks.
 */
export function indexedFile (files: ReadonlyMap<string, string>, url: string | undefined): string | undefined {
  if (url === undefined || files.size === 0 || url[0] !== '/') return undefined
  const query = url.indexOf('?')
  const raw = query === -1 ? url : url.slice(0, query)
  if (raw.includes('%')) {
    const path = normalizeRequestPath(url)
    return path === undefined ? undefined : files.get(path)
  }
  const rel = files.get(raw)
  return rel !== undefined && normalizeRequestPath(raw) === raw ? rel : undefined
}

// Run `reindex` ~100 ms after the first change under root, one walk at a time. Returns the function that stops.
function watchForChanges (root: string, reindex: () => Promise<void>, onError: (err: Error) => void): () => void {
  let watcher: FSWatcher | undefined
  let timer: NodeJS.Timeout | undefined
  let running = false
  let again = false
  let errorReported = false
  const reportOnce = (err: unknown): void => {
    if (errorReported) return
    errorReported = true
    onError(new Error(`cannot watch ${root} for changes; files added later may not be served`, { cause: err }))
  }
  const run = (): void => {
    timer = undefined
    if (running) { again = true; return }
    running = true
    reindex().finally(() => {
      running = false
      if (again) { again = false; schedule() }
    }).catch(reportOnce)
  }
  const schedule = (): void => {
    if (timer !== undefined || watcher === undefined) return
    timer = setTimeout(run, DEFAULTS.reindexDelayMs)
    timer.unref()
  }
  try {
    // Not persistent: the server keeps the process alive, the watcher should not.
    watcher = watch(root, { recursive: true, persistent: false }, schedule)
    watcher.on('error', err => { reportOnce(err); schedule() })
  } catch (err) {
    reportOnce(err)
  }
  return () => {
    clearTimeout(timer)
    watcher?.close()
    watcher = undefined
  }
}

// Answer one indexed file. Its real path is checked again first: since indexing, it may have been replaced by a
// symlink that leads out of public/. `send` then gets the real relative path, with public/'s real path as root.
function serveFile (req: IncomingMessage, res: ServerResponse, root: string, rel: string,
  onError: (err: Error) => void): void {
  realpath.native(join(root, rel), (err, real) => {
    const realRel = err === null ? relativeInside(root, real) : undefined
    if (realRel === undefined || !isServableRelative(realRel)) {
      answerStatus(res, err !== null && !isMissing(err) ? 500 : 404)
      return
    }
    try {
      const stream = send(req, encodePath(realRel), {
        root, dotfiles: 'deny', index: false, etag: true, lastModified: true
      })
      stream.on('error', (sendErr: Error & { status?: number, headers?: Record<string, string> }) => {
        const status = sendErr.status ?? 500
        if (status >= 500) onError(new Error(`cannot serve ${real}`, { cause: sendErr }))
        answerStatus(res, status, sendErr.headers)
      })
      stream.on('directory', () => answerStatus(res, 404)) // a file that became a directory since indexing
      stream.pipe(res)
    } catch (sendErr) {
      onError(new Error(`cannot serve ${real}`, { cause: sendErr }))
      answerStatus(res, 500)
    }
  })
}

function isMissing (err: NodeJS.ErrnoException): boolean {
  return err.code === 'ENOENT' || err.code === 'ENOTDIR'
}

// `send` takes a URL path and decodes it once, so each segment is encoded again ('a%20b' stays a literal name).
function encodePath (rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/')
}

// A short text answer, or a cut connection when the response has already started.
function answerStatus (res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name)
  const body = `${status} ${STATUS_CODES[status] ?? 'Error'}\n`
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff'
  })
  res.end(body)
}
