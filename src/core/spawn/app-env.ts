// The environment an app process starts with. Order matters: the base, then what Ferry tells every app, then the
// user's --envvar pairs, and last what the loader itself depends on (a user value must not break it).
//
// The base: an app running as Ferry's own user inherits Ferry's environment, as any child would. An app switched to
// another user (Ferry is root) must not see root's secrets (tokens, cloud keys, a PATH through /root), so it starts
// clean: a system PATH, the locale and time zone, and what --pass-env names.
import { homedir } from 'node:os'
import { dirname } from 'node:path'
import type { AppSpec } from './loader.js'

/** systemd's default PATH for services: what a daemon's child finds on any Linux system. */
const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']
/** Variables that say how to talk to people, not what root knows: kept for switched apps. */
const KEPT = /^(LANG|LANGUAGE|LC_[A-Z_]+|TZ)$/

export function appEnv (app: AppSpec, loaderVars: Readonly<Record<string, string>>, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const id = app.identity
  return {
    ...(id === undefined ? from : cleanBase(from, app.passEnv ?? [])),
    NODE_ENV: app.environment,
    FERRY_APP_ENV: app.environment,
    // What Ruby and Python frameworks read their environment from, and unbuffered Python output (else a crash's
    // last lines stay in the buffer), for every kind of app: a generic app is often a Ruby or Python server.
    ...(app.type === 'node' ? {} : { RACK_ENV: app.environment, RAILS_ENV: app.environment, PYTHONUNBUFFERED: '1' }),
    FERRY_APP_ROOT: app.root,
    IN_FERRY: '1',
    // A process switched to another user gets that user's, not root's, home and name.
    ...(id !== undefined ? { HOME: id.home, USER: id.user, LOGNAME: id.user, SHELL: id.shell } : {}),
    ...app.env,
    ...loaderVars
  }
}

function cleanBase (from: NodeJS.ProcessEnv, passEnv: readonly string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: systemPath() }
  for (const [name, value] of Object.entries(from)) if (KEPT.test(name) && value !== undefined) out[name] = value
  for (const name of passEnv) if (from[name] !== undefined) out[name] = from[name]
  return out
}

/**
 * The system PATH, plus the directory of the node that runs Ferry, so `node` in a start command is the same one;
 * not when that is in root's home (an nvm install): the app could not run it, and should not learn the path.
 */
function systemPath (): string {
  const nodeDir = dirname(process.execPath)
  const home = homedir()
  const inHome = nodeDir === home || nodeDir.startsWith(`${home}/`)
  return (SYSTEM_PATH.includes(nodeDir) || inHome ? SYSTEM_PATH : [...SYSTEM_PATH, nodeDir]).join(':')
}
