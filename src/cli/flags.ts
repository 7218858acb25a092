// oclif flags derived from the one option table. The server's options (OPTIONS) arrive as strings and are validated
// by the core's resolver, so a bad value gets the same one-line message whether it came from a flag, a file or the
// environment; the options of the commands that talk to an instance (COMMAND_OPTIONS) are oclif's to parse.
import { Flags, type Interfaces } from '@oclif/core'
import { COMMAND_OPTIONS, commandOptionsFor, describeDefault, optionsFor, type CommandOptionSpec, type OptionSpec } from '../core/config/options.js'

function description (o: OptionSpec | CommandOptionSpec): string {
  const d = 'defaultInHelp' in o && o.defaultInHelp === false ? undefined : describeDefault(o)
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

type CommandSpec = typeof COMMAND_OPTIONS[number]
type SpecsOf<C extends string> = CommandSpec extends infer O ? O extends { commands: readonly string[] } ? C extends O['commands'][number] ? O : never : never : never
type Given<O, T> = O extends { default: T } ? T : T | undefined
type FlagOf<O> = O extends { kind: 'boolean' } ? Interfaces.BooleanFlag<boolean>
  : O extends { kind: 'integer' } ? Interfaces.OptionFlag<Given<O, number>>
    : Interfaces.OptionFlag<Given<O, string>>
/** A command's own flags (COMMAND_OPTIONS), typed as the command reads them. */
export type CommandFlags<C extends string> = { [O in SpecsOf<C> as O['name']]: FlagOf<O> }

/** Only what a spec gives: an option oclif is not told about is one its help and parser leave as they would. */
function given<T extends Record<string, unknown>> (o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

function commandFlag (o: CommandOptionSpec): AnyFlag {
  const common = given({ description: description(o), char: o.char as never, helpValue: o.placeholder, env: o.env })
  const aliases = o.deprecatedAliases === undefined ? {} : { aliases: [...o.deprecatedAliases], deprecateAliases: true }
  switch (o.kind) {
    case 'boolean': return <AnyFlag>Flags.boolean(given({ ...common, allowNo: o.allowNo, default: o.default }))
    case 'integer': return <AnyFlag>Flags.integer(given({ ...common, min: o.min, max: o.max, default: o.default }))
    case 'enum': return <AnyFlag>Flags.string(given({ ...common, options: [...o.values], default: o.default }))
    case 'string': return <AnyFlag>Flags.string(given({ ...common, ...aliases, default: o.default }))
  }
}

/** The flags of a command that talks to a running instance, from COMMAND_OPTIONS, in the table's order. */
export function commandFlagsFor<C extends string> (command: C): CommandFlags<C> {
  const out: Record<string, AnyFlag> = {}
  for (const o of commandOptionsFor(command)) out[o.name] = commandFlag(o)
  return out as CommandFlags<C>
}
