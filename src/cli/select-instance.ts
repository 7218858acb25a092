// The instance a command acts on, picked the same way by every command that addresses one (status, reload,
// restart-app, detach-process, reopen-logs, stop): by NAME (the argument, or --name), by the address it listens on
// (--port, --socket), or as the only one running. Stale instance directories are cleaned with a notice on stderr,
// and when several instances run and none is named, the table to choose from goes to stdout (not with --json, whose
// stdout is the error object) before the one-line error. An unknown name is E_INSTANCE_NOT_FOUND (exit 1) everywhere.
import { Flags } from '@oclif/core'
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

/** The flags every command that talks to a running instance takes, defined once. */
export const instanceFlags = {
  /** The same as the NAME argument; the only way to name the instance for commands whose argument is something else. */
  name: Flags.string({
    char: 'n',
    description: 'the instance\'s name (a unique prefix is enough); needed when several run (--instance is a deprecated alias)',
    helpValue: 'NAME',
    aliases: ['instance'],
    deprecateAliases: true
  }),
  port: Flags.integer({ char: 'p', description: 'the instance listening on this TCP port', helpValue: 'N', min: 0, max: 65535 }),
  socket: Flags.string({ char: 'S', description: 'the instance listening on this Unix socket', helpValue: 'PATH' }),
  'instance-registry-dir': Flags.string({ description: 'where to look for instances [default: $FERRY_INSTANCE_REGISTRY_DIR, else your own: /run/ferry for root, else $XDG_RUNTIME_DIR/ferry or <temp dir>/ferry-<uid>]', helpValue: 'PATH' }),
  timeout: (seconds: number) => Flags.integer({ description: `seconds to wait for the admin API [default: ${seconds}]`, min: 1, default: seconds })
}

/** The flags every command that talks to an instance's admin API takes, the same way everywhere. */
export function instanceSelectionFlags (timeoutSeconds: number): {
  name: typeof instanceFlags.name
  port: typeof instanceFlags.port
  socket: typeof instanceFlags.socket
  'instance-registry-dir': typeof instanceFlags['instance-registry-dir']
  timeout: ReturnType<typeof instanceFlags.timeout>
} {
  return {
    name: instanceFlags.name,
    port: instanceFlags.port,
    socket: instanceFlags.socket,
    'instance-registry-dir': instanceFlags['instance-registry-dir'],
    timeout: instanceFlags.timeout(timeoutSeconds)
  }
}

/** Parsed instance flags → what selectInstanceFor needs (NAME argument, if any, merged with --name). */
export function selectionFrom (command: string, flags: { name?: string | undefined, port?: number | undefined, socket?: string | undefined, 'instance-registry-dir'?: string | undefined },
  json: boolean, arg?: string): SelectFor {
  return { command, name: instanceName(arg, flags.name), registryDir: flags['instance-registry-dir'], json, port: flags.port, socket: flags.socket }
}
