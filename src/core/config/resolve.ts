// Turns raw option values from their sources into one validated, frozen FerryOptions object, remembering where
// each value came from (for /config.json). Validation happens here, once, at the edge.
import { FerryError } from '../errors.js'
import { OPTIONS, camelCase, type FerryOptions, type OptionSpec } from './options.js'

/** Where a value came from: a flag, the environment, the --config file's top level, the app's Ferryfile.json, or its entry in --config. */
export type OptionSource = 'default' | 'flag' | 'env' | 'file' | 'ferryfile' | 'app'
export type RawValues = Readonly<Record<string, unknown>>

export interface ResolvedOptions {
  readonly options: FerryOptions
  readonly sources: Readonly<Record<string, OptionSource>>
}

export interface OptionInputs {
  /** Keyed by option name (kebab-case), as the CLI parsed them. */
  readonly flags?: RawValues
  readonly file?: RawValues
  readonly env?: NodeJS.ProcessEnv
  /** One app's Ferryfile.json (per-app options only). */
  readonly ferryfile?: RawValues
  /** One app's entry in the --config file (per-app options only). */
  readonly app?: RawValues
}

/**
 * Later sources win: default < file < env < ferryfile < app < flag. A flag given on the command line is meant for
 * every app it serves, so it wins even over an app's own settings.
 */
export function resolveOptions (inputs: OptionInputs): ResolvedOptions {
  const values: Record<string, unknown> = {}
  const sources: Record<string, OptionSource> = {}
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    const key = camelCase(spec.name)
    let value: unknown = spec.kind === 'list' ? [] : spec.default
    let source: OptionSource = 'default'
    const fromFile = inputs.file?.[spec.name]
    if (fromFile !== undefined) { value = fromFile; source = 'file' }
    const fromEnv = spec.env === undefined ? undefined : inputs.env?.[spec.env]
    if (fromEnv !== undefined && fromEnv !== '') { value = fromEnv; source = 'env' }
    const fromFerryfile = inputs.ferryfile?.[spec.name]
    if (fromFerryfile !== undefined) { value = fromFerryfile; source = 'ferryfile' }
    const fromApp = inputs.app?.[spec.name]
    if (fromApp !== undefined) { value = fromApp; source = 'app' }
    const fromFlag = inputs.flags?.[spec.name]
    if (fromFlag !== undefined) { value = fromFlag; source = 'flag' }
    values[key] = value === undefined ? undefined : validate(spec, value)
    sources[spec.name] = source
  }
  return { options: Object.freeze(values) as FerryOptions, sources: Object.freeze(sources) }
}

function invalid (spec: OptionSpec, value: unknown, expected: string): FerryError {
  return new FerryError('E_OPTION_INVALID', `--${spec.name}: expected ${expected}, got ${JSON.stringify(value)}`)
}

function validate (spec: OptionSpec, value: unknown): unknown {
  switch (spec.kind) {
    case 'integer': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalid(spec, value, 'a whole number')
      if (n < spec.min) throw invalid(spec, value, `a number of at least ${spec.min}`)
      if (spec.max !== undefined && n > spec.max) throw invalid(spec, value, `a number of at most ${spec.max}`)
      return n
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value
      if (typeof value === 'string' && /^(true|yes|on|1)$/i.test(value)) return true
      if (typeof value === 'string' && /^(false|no|off|0)$/i.test(value)) return false
      throw invalid(spec, value, 'true or false')
    }
    case 'enum': {
      if (typeof value !== 'string' || !spec.values.includes(value)) throw invalid(spec, value, `one of ${spec.values.join(', ')}`)
      return value
    }
    case 'string': {
      if (typeof value !== 'string' || value === '') throw invalid(spec, value, `a non-empty ${spec.placeholder}`)
      return value
    }
    case 'list': {
      const list = Array.isArray(value) ? value : [value]
      for (const item of list) {
        if (typeof item !== 'string') throw invalid(spec, item, spec.placeholder)
        const problem = spec.checkItem === undefined ? (/^[A-Za-z_][A-Za-z0-9_]*=/.test(item) ? undefined : spec.placeholder) : spec.checkItem(item)
        if (problem !== undefined) throw invalid(spec, item, problem)
      }
      return Object.freeze([...list])
    }
  }
}

/** `--envvar` pairs as an object. */
export function envvarPairs (list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of list) {
    const eq = item.indexOf('=')
    out[item.slice(0, eq)] = item.slice(eq + 1)
  }
  return out
}
