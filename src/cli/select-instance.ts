// The instance a command acts on, picked as `ferry status` picks it: stale instance directories are cleaned with a
// notice on stderr, and when several instances run and none is named, the table to choose from goes to stdout
// (not with --json, whose stdout is the error object) before the one-line error.
import { Flags } from '@oclif/core'
import { selectForStatus } from '../core/client/status.js'
import { renderInstanceTable, type InstanceRecord } from '../core/instance/registry.js'
import { isFerryError } from '../core/errors.js'

export interface SelectFor {
  /** How the error tells the user to name an instance: `ferry <command> <NAME>`. */
  readonly command: string
  readonly name: string | undefined
  readonly registryDir: string | undefined
  readonly json: boolean
}

export function selectInstanceFor (o: SelectFor): InstanceRecord {
  try {
    const selected = selectForStatus(o.name, o.registryDir, o.command)
    reportHousekeeping(selected.cleaned, selected.warnings)
    return selected.instance
  } catch (err) {
    const { instances, cleaned, warnings } = err as { instances?: InstanceRecord[], cleaned?: string[], warnings?: string[] }
    reportHousekeeping(cleaned ?? [], warnings ?? [])
    if (isFerryError(err) && err.code === 'E_INSTANCE_AMBIGUOUS' && instances !== undefined && !o.json) process.stdout.write(renderInstanceTable(instances))
    throw err
  }
}

function reportHousekeeping (cleaned: readonly string[], warnings: readonly string[]): void {
  for (const dir of cleaned) process.stderr.write(`ferry: cleaned stale instance directory ${dir}\n`)
  for (const w of warnings) process.stderr.write(`ferry: warning: ${w}\n`)
}

/** The flags every command that talks to a running instance takes, defined once. */
export const instanceFlags = {
  /** For commands whose argument is something else (an app, a PID); the others take the name as an argument. */
  instance: Flags.string({ description: 'the instance\'s name (a unique prefix is enough); needed when several run', helpValue: 'NAME' }),
  'instance-registry-dir': Flags.string({ description: 'where to look for instances [default: $FERRY_INSTANCE_REGISTRY_DIR or the system temp dir]', helpValue: 'PATH' }),
  timeout: (seconds: number) => Flags.integer({ description: `seconds to wait for the admin API [default: ${seconds}]`, min: 1, default: seconds })
}
