// Where a process the core loaded itself listens: a fresh Unix socket path in the core's private directory, or, for
// an app running as another user, in a directory of that user's inside it (the core's directory is only
// traversable, so users cannot see each other's sockets).
import { randomBytes } from 'node:crypto'
import { chownSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { AppSpec } from './loader.js'
import { spawnFailure } from './failure.js'

/** sun_path holds 108 bytes on Linux and 104 on macOS; stay under both. */
const MAX_SOCKET_PATH_BYTES = 100

/** A new socket path; `prefix` tells the kinds apart in a listing (n: Node, p: Python, r: Ruby). */
export function socketPathFor (app: AppSpec, command: string, prefix: string): string {
  const path = join(socketDirFor(app), `${prefix}.${randomBytes(6).readUIntBE(0, 6).toString(36)}.sock`)
  if (Buffer.byteLength(path) >= MAX_SOCKET_PATH_BYTES) {
    const message = `Socket path ${path} is too long for a Unix socket; use a shorter temporary directory (TMPDIR)`
    throw spawnFailure(message, { reason: 'failed', app, command })
  }
  return path
}

function socketDirFor (app: AppSpec): string {
  const id = app.identity
  if (id === undefined) return app.socketDir
  const dir = join(app.socketDir, `u${id.uid}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chownSync(dir, id.uid, id.gid)
  return dir
}
