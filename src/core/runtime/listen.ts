// How the core's front listens: on the address or socket it binds itself, or on the socket its watchdog kept
// (the core's side of watchdog/kept-listener.ts).
import type { Server } from 'node:http'
import { chmodSync, chownSync, lstatSync, unlinkSync, type Stats } from 'node:fs'
import { connect } from 'node:net'
import { boundHttpUrl } from '../bound-url.js'
import { FerryError } from '../errors.js'
import { groupIdByName } from '../spawn/identity.js'
import { isListenerMessage, LISTENER } from '../watchdog/kept-listener.js'
import type { StartDeadline } from './start-deadline.js'

interface ListenOptions {
  readonly port: number
  readonly address: string
  readonly socket?: string | undefined
  /** Octal permissions for the socket file, e.g. "0660". */
  readonly socketMode?: string | undefined
  /** Group name or id that should own the socket file (the front server's group). */
  readonly socketGroup?: string | undefined
}

/** Listens on the TCP address or Unix socket; turns bind errors into one actionable line. Resolves the URL. */
export async function listenFront (server: Server, o: ListenOptions): Promise<string> {
  if (o.socket !== undefined) await removeStaleSocket(o.socket)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(bindError(err, o)))
    if (o.socket !== undefined) server.listen({ path: o.socket, backlog: 2048 }, resolve)
    else server.listen({ port: o.port, host: o.address, backlog: 2048 }, resolve)
  })
  if (o.socket !== undefined) {
    setSocketAccess(o.socket, o)
    return `unix:${o.socket}`
  }
  return boundHttpUrl(server)
}

/** Core: gives the watchdog a copy of the socket this core just bound. */
export function handOverListener (server: Server): void {
  const handle = (server as unknown as { _handle?: object })._handle
  if (handle === undefined || process.send === undefined || !process.connected) return
  process.send(LISTENER, handle as never, { keepOpen: true }, () => {})
}

/**
 * Core: the listening socket the watchdog keeps, asked for over IPC (listened for before asking, so the answer cannot
 * come first). `noWatchdog`: what to say when this process has no watchdog to ask.
 */
export function takeKeptListener (noWatchdog: string): Promise<object> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown, h: unknown): void => {
      if (!isListenerMessage(m) || h === undefined || h === null) return
      process.off('message', onMessage)
      resolve(h)
    }
    if (process.send === undefined) { reject(new Error(noWatchdog)); return }
    process.on('message', onMessage)
    process.send({ type: 'want-listener' }, undefined, {}, err => {
      if (err == null) return
      process.off('message', onMessage)
      reject(err)
    })
  })
}

/**
 * Core: listens on the socket the watchdog kept. Both waits count against the start-up deadline: a watchdog that never
 * answers must not hold the core forever.
 */
export async function listenOnKeptSocket (server: Server, socketPath: string | undefined, deadline: StartDeadline): Promise<string> {
  const handle = await deadline.step('taking the listening socket from the watchdog (want-listener)',
    takeKeptListener('no watchdog to take the listening socket from'))
  await deadline.step('listening on the kept socket', new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(handle as never, () => { server.off('error', reject); resolve() })
  }))
  if (socketPath !== undefined) return `unix:${socketPath}`
  return boundHttpUrl(server)
}

function bindError (err: NodeJS.ErrnoException, o: ListenOptions): FerryError {
  const where = o.socket !== undefined ? `socket ${o.socket}` : `${o.address}:${o.port}`
  if (err.code === 'EADDRINUSE') {
    return new FerryError('E_PORT_IN_USE', `${where} is already in use: stop what is listening there, or pass another ${o.socket !== undefined ? '--socket' : '--port'}`)
  }
  if (err.code === 'EACCES') return new FerryError('E_LISTEN_FAILED', `no permission to listen on ${where}: use a port above 1023 or run as root`)
  if (err.code === 'EADDRNOTAVAIL') return new FerryError('E_LISTEN_FAILED', `address ${o.address} is not on this machine: pass an address of one of its interfaces with --address`)
  return new FerryError('E_LISTEN_FAILED', `could not listen on ${where}: ${err.message}`)
}

/** Mode and group of the socket file: who may connect is decided by the file system. */
function setSocketAccess (path: string, o: ListenOptions): void {
  const mode = o.socketMode ?? '0660'
  if (!/^0?[0-7]{3}$/.test(mode)) throw new FerryError('E_OPTION_INVALID', `--socket-mode: expected an octal mode such as 0660, got ${JSON.stringify(mode)}`)
  chmodSync(path, parseInt(mode, 8))
  if (o.socketGroup === undefined) return
  const gid = /^\d+$/.test(o.socketGroup) ? Number(o.socketGroup) : groupIdByName(o.socketGroup)
  if (gid === undefined) throw new FerryError('E_OPTION_INVALID', `--socket-group: no group named ${o.socketGroup} on this machine`)
  try {
    chownSync(path, -1, gid)
  } catch (err) {
    throw new FerryError('E_LISTEN_FAILED', `cannot give socket ${path} to group ${o.socketGroup}: ${(err as Error).message}; run as root or as a member of that group`, { cause: err })
  }
}

/**
 * Clears the way for listening on `path`: only a socket file nobody listens on (connect says ECONNREFUSED) is removed.
 * Anything else stays and is an error: a live socket (E_PORT_IN_USE), or a regular file, directory or symlink
 * (E_LISTEN_FAILED) — `--socket` must never delete something that merely has the name it was given.
 */
async function removeStaleSocket (path: string): Promise<void> {
  const st = lstatSync(path, { throwIfNoEntry: false })
  if (st === undefined) return
  if (!st.isSocket()) {
    throw new FerryError('E_LISTEN_FAILED', `${path} exists and is ${describeFileType(st)}, not a socket: Ferry removes only stale sockets; remove it yourself or pass another --socket`)
  }
  const code = await new Promise<string>(resolve => {
    const s = connect(path)
    s.once('connect', () => { s.destroy(); resolve('connected') })
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
  })
  if (code === 'ECONNREFUSED') { unlinkSync(path); return }
  if (code === 'connected') throw new FerryError('E_PORT_IN_USE', `socket ${path} is in use: another server listens on it; stop it, or pass another --socket`)
  throw new FerryError('E_LISTEN_FAILED', `cannot tell whether socket ${path} is in use (${code}): remove it yourself if it is stale, or pass another --socket`)
}

function describeFileType (st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link'
  if (st.isDirectory()) return 'a directory'
  if (st.isFile()) return 'a regular file'
  return 'a special file'
}
