// A stand-in for the three parts of @oclif/core that Ferry's commands use (Command, Flags, Args), bundled in place of
// oclif into dist/cli/fast/<command>.cjs for the commands monitoring runs every few seconds (`ferry status`,
// `ferry memory-stats`): loading oclif alone takes longer than all of passenger-status (see bench/status.ts).
// It accepts only plain command lines, and parses them exactly as oclif would (test/unit/cli/oclif-lite.test.ts
// compares the two). Anything else (--help, --json, an alias, combined short flags, an unknown flag, a value oclif
// would reject, `--`) throws NeedOclif before the command does anything, and bin/run.js runs the command through
// oclif instead, which parses, helps or fails as usual. So every message and error still comes from oclif.
import { readFileSync } from 'node:fs'

/** The command line needs oclif (help, an error message, a feature this parser leaves to oclif). */
export class NeedOclif extends Error {}

interface FlagDef {
  /** 'other': a kind of flag this parser leaves to oclif (Flags.custom, Flags.file, …). */
  readonly type: 'boolean' | 'option' | 'other'
  readonly kind?: 'string' | 'integer'
  readonly char?: string
  readonly default?: unknown
  readonly allowNo?: boolean
  readonly options?: readonly string[]
  readonly multiple?: boolean
  readonly min?: number
  readonly max?: number
  readonly [other: string]: unknown
}

interface ArgDef { readonly required?: boolean, readonly options?: readonly string[], readonly default?: unknown, readonly [other: string]: unknown }

/** Flag properties this parser does not implement: a command that uses one is always parsed by oclif. */
const UNSUPPORTED = ['dependsOn', 'exclusive', 'exactlyOne', 'relationships', 'required', 'multiple', 'delimiter']

type Make<T> = (o?: Record<string, unknown>) => T

/** Any other Flags.x or Args.x a command may come to use exists too, and makes its command line oclif's to parse. */
function withFallback<T> (known: Record<string, Make<T>>, other: Make<T>): Record<string, Make<T>> {
  return new Proxy(known, { get: (target, key: string) => target[key] ?? other })
}

export const Flags = withFallback<FlagDef>({
  string: (o = {}) => ({ ...o, type: 'option', kind: 'string' }),
  integer: (o = {}) => ({ ...o, type: 'option', kind: 'integer' }),
  boolean: (o = {}) => ({ ...o, type: 'boolean' })
}, (o = {}) => ({ ...o, type: 'other' }))

export const Args = withFallback<ArgDef>({
  string: (o = {}) => ({ ...o })
}, (o = {}) => ({ ...o, unsupported: true }))

function need (why: string): never {
  throw new NeedOclif(why)
}

function optionValue (name: string, def: FlagDef, raw: string): unknown {
  if (raw === '' || raw.startsWith('-')) need(`--${name} ${raw}`)
  if (def.options !== undefined && !def.options.includes(raw)) need(`--${name} ${raw}`)
  if (def.kind !== 'integer') return raw
  if (!/^\d+$/.test(raw)) need(`--${name} ${raw}`)
  const n = Number(raw)
  if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) need(`--${name} ${raw}`)
  return n
}

export interface Parsed { args: Record<string, unknown>, flags: Record<string, unknown> }

/** oclif's parse of a plain command line (strict: no extra arguments), or NeedOclif. */
export function parseArgv (argv: readonly string[], flagDefs: Readonly<Record<string, FlagDef>>, argDefs: Readonly<Record<string, ArgDef>>): Parsed {
  for (const [name, def] of Object.entries(flagDefs)) {
    if (def.type === 'other' || UNSUPPORTED.some(k => def[k] !== undefined && def[k] !== false && !(Array.isArray(def[k]) && def[k].length === 0))) need(`flag --${name}`)
    if (typeof def.default === 'function') need(`flag --${name}`)
    // oclif reads an unset flag from its environment variable, by rules of its own.
    if (typeof def.env === 'string' && process.env[def.env] !== undefined) need(`$${def.env}`)
  }
  for (const [name, def] of Object.entries(argDefs)) {
    if (def.unsupported === true || typeof def.default === 'function') need(`argument ${name}`)
  }
  const byChar = new Map(Object.entries(flagDefs).filter(([, d]) => d.char !== undefined).map(([n, d]) => [d.char!, n]))
  const flags: Record<string, unknown> = {}
  const positional: string[] = []
  const set = (name: string, value: unknown): void => {
    if (name in flags) need(`--${name} given twice`)
    flags[name] = value
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') need('--')
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq)
      const inline = eq < 0 ? undefined : a.slice(eq + 1)
      const def = flagDefs[name]
      if (def === undefined) {
        const negated = name.startsWith('no-') ? flagDefs[name.slice(3)] : undefined
        if (negated?.type !== 'boolean' || negated.allowNo !== true || inline !== undefined) need(a)
        set(name.slice(3), false)
      } else if (def.type === 'boolean') {
        if (inline !== undefined) need(a)
        set(name, true)
      } else {
        const raw = inline ?? argv[++i] ?? need(`${a} without a value`)
        set(name, optionValue(name, def, raw))
      }
    } else if (a.startsWith('-') && a !== '-') {
      const name = a.length === 2 ? byChar.get(a[1]!) : undefined
      if (name === undefined) need(a)
      const def = flagDefs[name]!
      if (def.type === 'boolean') set(name, true)
      else set(name, optionValue(name, def, argv[++i] ?? need(`${a} without a value`)))
    } else {
      positional.push(a)
    }
  }
  for (const [name, def] of Object.entries(flagDefs)) {
    if (!(name in flags) && def.default !== undefined) flags[name] = def.default
  }
  const argNames = Object.keys(argDefs)
  if (positional.length > argNames.length) need('unexpected arguments')
  const args: Record<string, unknown> = {}
  argNames.forEach((name, i) => {
    const def = argDefs[name]!
    const value = positional[i]
    if (value === undefined) {
      if (def.required === true) need(`argument ${name}`)
      if (def.default !== undefined) args[name] = def.default
      return
    }
    if (def.options !== undefined && !def.options.includes(value)) need(`argument ${name} ${value}`)
    args[name] = value
  })
  return { args, flags }
}

interface CommandClass {
  new (argv: string[], config: LiteConfig): Command
  readonly flags?: Readonly<Record<string, FlagDef>>
  readonly args?: Readonly<Record<string, ArgDef>>
}

interface LiteConfig { readonly version: string, readonly bin: string }

export abstract class Command {
  static summary?: string
  static description?: string
  static examples?: unknown
  static enableJsonFlag = false
  static flags: Readonly<Record<string, FlagDef>> = {}
  static args: Readonly<Record<string, ArgDef>> = {}

  id: string | undefined
  constructor (public argv: string[], public config: LiteConfig) {}

  /** --json is left to oclif, so it is never on here. */
  jsonEnabled (): boolean {
    return false
  }

  async parse (cls: CommandClass, argv: string[] = this.argv): Promise<Parsed> {
    return parseArgv(argv, cls.flags ?? {}, cls.args ?? {})
  }

  abstract run (): Promise<unknown>

  async catch (err: Error): Promise<void> {
    throw err
  }
}

/**
 * Runs the command on argv (the arguments after its name); false, having done nothing, when oclif must run it.
 * The root is the package's directory, whose package.json gives the version oclif would report.
 */
export async function runFast (cls: CommandClass, id: string, argv: string[], root: URL): Promise<boolean> {
  const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string }
  const command = new cls(argv, { version, bin: 'ferry' })
  command.id = id
  try {
    await command.run()
  } catch (err) {
    if (err instanceof NeedOclif) return false
    await command.catch(err as Error)
  }
  return true
}
