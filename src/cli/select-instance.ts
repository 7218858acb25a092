// The instance a command acts on, picked the same way by every command that addresses one (status, reload,
// restart-app, detach-process, reopen-logs, stop): by NAME (the argument, or --name), by the address it listens on
// (--port, --socket), or as the only one running. Stale instance directories are cleaned with a notice on stderr,
// and when several instances run and none is named, the table to choose from goes to stdout (not with --json, whose
// stdout is the error object) before the one-line error. An unknown name is E_INSTANCE_NOT_FOUND (exit 1) everywhere.
import { listForSelection, selectFrom } from '../core/client/status.js'
import { renderInstanceTable, type InstanceRecord } from '../core/instance/registry.js'
import { FerryError, isFerryError } from '../core/errors.js'
import { listensOn } from '../core/instance/listens-on.js'

export interface SelectFor {
  /** How the error tells the user to name an instance: `ferry <command> <NAME>`. */
  readonly command: string
  readonly name: string | undefined
  readonly registryDir: string | undefined
  readonly json: boolean
  /** Only an instance listening on this TCP port, or on this Unix socket. */
  readonly port?: number | undefined
  readonly socket?: string | undefined
}

export function selectInstanceFor (o: SelectFor): InstanceRecord {
  const listing = listForSelection(o.registryDir, listensOn(o))
  reportHousekeeping(listing.cleaned, listing.warnings)
  try {
    return selectFrom(listing, o.name, o.command)
  } catch (err) {
    if (isFerryError(err) && err.code === 'E_INSTANCE_AMBIGUOUS' && !o.json) process.stdout.write(renderInstanceTable(listing.candidates))
    throw err
  }
}

/** The instance's name from the NAME argument or --name (--instance); both given and different is a usage error. */
function instanceName (arg: string | undefined, flag: string | undefined): string | undefined {
  if (arg !== undefined && flag !== undefined && arg !== flag) {
    throw new FerryError('E_USAGE', `two instance names given (${arg} and --name ${flag}): give one`)
  }
  return arg ?? flag
}

function reportHousekeeping (cleaned: readonly string[], warnings: readonly string[]): void {
  for (const dir of cleaned) process.stderr.write(`ferry: cleaned stale instance directory ${dir}\n`)
  for (const w of warnings) process.stderr.write(`ferry: warning: ${w}\n`)
}

/** Parsed instance flags → what selectInstanceFor needs (NAME argument, if any, merged with --name). */
export function selectionFrom (command: string, flags: { name?: string | undefined, port?: number | undefined, socket?: string | undefined, 'instance-registry-dir'?: string | undefined },
  json: boolean, arg?: string): SelectFor {
  return { command, name: instanceName(arg, flags.name), registryDir: flags['instance-registry-dir'], json, port: flags.port, socket: flags.socket }
}
