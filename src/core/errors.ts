// Every error Ferry reports has a stable code, one actionable line, a CLI exit code and, where it reaches a
// client, an HTTP status. Callers branch on `err.code`, never on `instanceof`. Retired codes are never reused.
// The exit codes are documented in man/ferry.1 (a unit test keeps the two in step).

// Exit statuses, named by what they mean. Three numbers carry a second meaning: the commands that address a running
// instance (status, reload, restart-app, …) keep passenger-status's 1 (no instance selected), 2 (not authorized) and
// 3 (API unreachable), which monitoring scripts test. The numbers never change.
export const EXIT = {
  ok: 0,
  failed: 1,
  noInstanceSelected: 1,
  badInput: 2,
  notAllowed: 2,
  notFound: 3,
  apiUnreachable: 3,
  cannotListen: 4,
  fileUnusable: 5,
  alreadyRunning: 6,
  notRunning: 7
} as const

/** What each exit status means, one line each, as ferry(1) prints it above the error codes that exit with it. */
export const EXIT_MEANINGS: Readonly<Record<number, string>> = {
  [EXIT.ok]: 'Success.',
  [EXIT.failed]: 'Failed at run time; for the commands that address a running instance, also: no instance could be selected (none runs, none matches the name, or several run and none was named).',
  [EXIT.badInput]: 'The command line, an option value or a configuration file cannot be used; or the caller is not allowed to do what it asked (not authorized, or the instance or a configuration file is not trusted).',
  [EXIT.notFound]: 'Something named does not exist (the app directory, its startup file, an app process); or the instance\'s admin API did not answer.',
  [EXIT.cannotListen]: 'Ferry could not listen on the address.',
  [EXIT.fileUnusable]: 'A file or directory Ferry writes or must trust cannot be used (log file, pid file, instance registry).',
  [EXIT.alreadyRunning]: 'An instance already runs there.',
  [EXIT.notRunning]: 'No running instance was found.'
}

interface ErrorSpec {
  readonly exitCode: number
  readonly httpStatus?: number
  readonly summary: string
}

export const ERRORS = {
  E_USAGE: { exitCode: EXIT.badInput, summary: 'the command line is not valid' },
  E_OPTION_INVALID: { exitCode: EXIT.badInput, httpStatus: 400, summary: 'an option has a value Ferry cannot use' },
  E_APP_NOT_FOUND: { exitCode: EXIT.notFound, httpStatus: 404, summary: 'the app directory does not exist, or the instance does not serve that app' },
  E_PROCESS_NOT_FOUND: { exitCode: EXIT.notFound, summary: 'the instance has no app process with that PID' },
  E_CONFIG_INVALID: { exitCode: EXIT.badInput, summary: 'the --config file or a Ferryfile.json cannot be used' },
  E_CONFIG_UNTRUSTED: { exitCode: EXIT.notAllowed, summary: 'a Ferryfile.json, or a --config file others could write, says who apps run as or what they inherit' },
  E_STARTUP_FILE_NOT_FOUND: { exitCode: EXIT.notFound, summary: 'no startup file or start command was found' },
  E_APP_TYPE_AMBIGUOUS: { exitCode: EXIT.badInput, summary: 'the app directory holds more than one kind of app (Node, Python, Ruby): --app-type is needed' },
  E_PORT_IN_USE: { exitCode: EXIT.cannotListen, summary: 'the address or port is already in use' },
  E_LISTEN_FAILED: { exitCode: EXIT.cannotListen, summary: 'Ferry could not listen on the address' },
  E_LOG_FILE: { exitCode: EXIT.fileUnusable, summary: 'the log file cannot be written' },
  E_PID_FILE: { exitCode: EXIT.fileUnusable, summary: 'the pid file cannot be written or read' },
  E_ALREADY_RUNNING: { exitCode: EXIT.alreadyRunning, summary: 'an instance is already running there' },
  E_NOT_RUNNING: { exitCode: EXIT.notRunning, summary: 'no running instance was found' },
  E_STOP_TIMEOUT: { exitCode: EXIT.failed, summary: 'the instance did not stop in time' },
  E_CORE_START_FAILED: { exitCode: EXIT.failed, summary: 'the core process did not start' },
  E_CORE_START_TIMEOUT: { exitCode: EXIT.failed, summary: 'a step of the core\'s start-up (binding, the socket hand-off with the watchdog, the admin API) did not finish within --start-timeout' },
  E_SPAWN_EXITED: { exitCode: EXIT.failed, httpStatus: 500, summary: 'an app process exited while starting' },
  E_SPAWN_TIMEOUT: { exitCode: EXIT.failed, httpStatus: 500, summary: 'an app process did not become ready in time' },
  E_SPAWN_FAILED: { exitCode: EXIT.failed, httpStatus: 500, summary: 'an app process could not be started' },
  E_QUEUE_FULL: { exitCode: EXIT.failed, httpStatus: 503, summary: 'the request queue is full' },
  // Refusals of a request that waited for (or asked for) a process the core will no longer give: 503 like a full
  // queue, since a client may retry (another instance, or this app once it is back), but named for what happened.
  E_SHUTTING_DOWN: { exitCode: EXIT.failed, httpStatus: 503, summary: 'Ferry is shutting down and takes no more requests' },
  E_APP_REMOVED: { exitCode: EXIT.failed, httpStatus: 503, summary: 'the app was removed from the configuration while the request waited' },
  E_REQUEST_TIMEOUT: { exitCode: EXIT.failed, httpStatus: 504, summary: 'the app did not answer within --max-request-time' },
  E_UPGRADE_TIMEOUT: { exitCode: EXIT.failed, httpStatus: 504, summary: 'the app did not answer an Upgrade request within --upgrade-timeout' },
  E_UPGRADE_BODY: { exitCode: EXIT.failed, httpStatus: 400, summary: 'an Upgrade request carried a body, which Ferry does not forward' },
  E_REQUEST_BODY_TIMEOUT: { exitCode: EXIT.failed, httpStatus: 408, summary: 'no byte of a request body came within --request-body-timeout' },
  E_REQUEST_BODY_STORE: { exitCode: EXIT.failed, httpStatus: 500, summary: 'a request body read ahead for an app that takes one request at a time could not be stored in the instance\'s directory' },
  E_APP_RESPONSE: { exitCode: EXIT.failed, httpStatus: 502, summary: 'the app closed before a complete response' },
  // The request path's own failures (server/): each says whose mistake it is, the app's, the client's or the setup's.
  E_APP_RESPONSE_INVALID: { exitCode: EXIT.failed, httpStatus: 502, summary: 'the app sent a response that is not valid HTTP/1.1 (its status line, headers or framing): fix the app' },
  E_HEADER_INVALID: { exitCode: EXIT.failed, httpStatus: 500, summary: 'a response header has a name that is not a token or a value with control characters, so it is not sent' },
  E_STICKY_COOKIE_INVALID: { exitCode: EXIT.failed, httpStatus: 500, summary: 'the sticky-session cookie holds a character not allowed in a header: change --sticky-sessions-cookie-name or the base URI' },
  E_APP_ROOT_UNTRUSTED: { exitCode: EXIT.failed, httpStatus: 400, summary: 'X-Ferry-App-Root is honoured only on a Unix socket with --trust-front-headers' },
  E_CLIENT_GONE: { exitCode: EXIT.failed, summary: 'the client closed its connection before its response was complete (nothing is answered)' },
  E_INTERNAL: { exitCode: EXIT.failed, httpStatus: 500, summary: 'an internal error' },
  // ferry status: the exit codes monitoring scripts rely on (1 no instance, 2 not authorized, 3 API unreachable).
  E_INSTANCE_NOT_FOUND: { exitCode: EXIT.noInstanceSelected, summary: 'no running instance, or none matching the name' },
  E_INSTANCE_AMBIGUOUS: { exitCode: EXIT.noInstanceSelected, summary: 'several instances run: a name is needed' },
  E_NOT_AUTHORIZED: { exitCode: EXIT.notAllowed, summary: 'not allowed to read the instance\'s admin credentials or API' },
  E_API_UNREACHABLE: { exitCode: EXIT.apiUnreachable, summary: 'the instance\'s admin API did not answer' },
  // Registry trust: credentials are never sent to an instance another user could have planted or altered.
  E_INSTANCE_UNTRUSTED: { exitCode: EXIT.notAllowed, summary: 'the instance\'s directory or files belong to another user, are writable by others or are symlinks: its admin credentials are not sent' },
  E_REGISTRY_UNSAFE: { exitCode: EXIT.fileUnusable, summary: 'the default instance registry directory is another user\'s, a symlink or writable by others' }
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

export class FerryError extends Error {
  readonly code: ErrorCode
  readonly exitCode: number
  readonly httpStatus: number

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FerryError'
    this.code = code
    const spec: ErrorSpec = ERRORS[code]
    this.exitCode = spec.exitCode
    this.httpStatus = spec.httpStatus ?? 500
  }
}

export function isFerryError (err: unknown): err is FerryError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' &&
    (err as { code: string }).code in ERRORS && (err as { name?: unknown }).name === 'FerryError'
}
