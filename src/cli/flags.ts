// oclif flags derived from the one option table. Values arrive as strings and are validated by the core's
// resolver, so a bad value gets the same one-line message whether it came from a flag, a file or the environment.
import { Flags, type Interfaces } from '@oclif/core'
import { describeDefault, optionsFor, type OptionSpec } from '../core/config/options.js'

function description (o: OptionSpec): string {
  const d = describeDefault(o)
  return d === undefined ? o.help : `${o.help} [default: ${d}]`
}

type AnyFlag = Interfaces.Flag<unknown>

function flagFor (o: OptionSpec): AnyFlag {
  const common = { description: description(o), char: o.char as never, env: undefined }
  switch (o.kind) {
    case 'boolean': return <AnyFlag>Flags.boolean({ ...common, allowNo: o.allowNo ?? false })
    // One value per --flag, so `--envvar A=1 examples/hello` leaves the app directory to the argument.
    case 'list': return <AnyFlag>Flags.string({ ...common, multiple: true, multipleNonGreedy: true, helpValue: o.placeholder })
    case 'enum': return <AnyFlag>Flags.string({ ...common, helpValue: o.values.filter(v => !/^\d$/.test(v)).join('|') })
    case 'integer': return <AnyFlag>Flags.string({ ...common, helpValue: o.unit === undefined ? 'N' : o.unit.toUpperCase() })
    case 'string': return <AnyFlag>Flags.string({ ...common, helpValue: o.placeholder })
  }
}

export function flagsFor (command: string): Record<string, AnyFlag> {
  const out: Record<string, AnyFlag> = {}
  for (const o of optionsFor(command)) out[o.name] = flagFor(o)
  return out
}

/** oclif's parsed flags, keyed by option name, with booleans that were not given left out (so defaults apply). */
export function rawFlagValues (parsed: Record<string, unknown>, command: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const o of optionsFor(command)) {
    const v = parsed[o.name]
    if (v !== undefined) out[o.name] = v
  }
  return out
}
