// `ferry help` and `--help`: oclif's help, except that a flag whose description already says its default
// ("[default: 5]", kept there for the man pages, which take the descriptions as they are) does not get oclif's copy
// of it too: each default is printed once.
import { Help, type Command } from '@oclif/core'

const DEFAULT_NOTE = /\s*\[default: [^\]]*\]/

type AnyFlag = Command.Loadable['flags'][string]

function once (flag: AnyFlag): AnyFlag {
  // oclif prints "[default: …]" itself for option flags that have a default (and for no boolean).
  if (flag.type !== 'option' || !flag.default || flag.description === undefined || !DEFAULT_NOTE.test(flag.description)) return flag
  return { ...flag, description: flag.description.replace(DEFAULT_NOTE, '') }
}

export default class FerryHelp extends Help {
  override formatCommand (command: Command.Loadable): string {
    const flags = Object.fromEntries(Object.entries(command.flags).map(([name, f]) => [name, once(f)]))
    return super.formatCommand({ ...command, flags })
  }
}
