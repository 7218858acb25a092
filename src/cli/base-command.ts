// Every Ferry command fails the same way: one line on stderr saying what is wrong and what to do, and the exit
// code documented in ferry(1). Stack traces only with --log-level debug.
import { Command } from '@oclif/core'
import { isFerryError, EXIT } from '../core/errors.js'
import { paint } from './render/paint.js'

export abstract class BaseCommand extends Command {
  protected get debugLevel (): boolean {
    const i = this.argv.findIndex(a => a === '--log-level' || a.startsWith('--log-level='))
    const value = i < 0 ? undefined : this.argv[i]!.includes('=') ? this.argv[i]!.split('=')[1] : this.argv[i + 1]
    return value === 'debug' || value === '5'
  }

  /** Reports a FerryError the way catch() does, without throwing (for errors that arrive after start-up). */
  protected failWith (err: Error): void {
    void this.catch(err)
  }

  /** For oclif's "Nonexistent flag: --shwo": the nearest flag this command has (--show), if one is near. */
  private async flagSuggestion (err: { flags?: unknown }): Promise<string | undefined> {
    if (!Array.isArray(err.flags) || err.flags.length !== 1 || typeof err.flags[0] !== 'string') return undefined
    // Loaded only here: fast-levenshtein builds an Intl.Collator when loaded, which costs ~10 ms on every run.
    const { closest } = await import('./suggest.js')
    const typed = err.flags[0].split('=')[0]!
    const ctor = this.constructor as { flags?: Record<string, { char?: string, allowNo?: boolean }>, enableJsonFlag?: boolean }
    const known = Object.entries(ctor.flags ?? {}).flatMap(([name, f]) => [`--${name}`, ...(f.allowNo === true ? [`--no-${name}`] : [])])
    if (ctor.enableJsonFlag === true) known.push('--json')
    return closest(typed, known)
  }

  override async catch (err: Error & { exitCode?: number, oclif?: { exit?: number } }): Promise<void> {
    if (this.debugLevel && err.stack !== undefined) process.stderr.write(`${err.stack}\n`)
    if (isFerryError(err) && this.jsonEnabled()) {
      // Scripts asked for JSON: the error comes as JSON on stdout too (and the exit code stays the same).
      process.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message, exit_code: err.exitCode } }, null, 2) + '\n')
      process.exitCode = err.exitCode
      return
    }
    if (isFerryError(err)) {
      process.stderr.write(`${paint.error('ferry:')} ${err.message} [${err.code}]\n`)
      process.exitCode = err.exitCode
      return
    }
    if (err.oclif?.exit !== undefined && err.oclif.exit !== 0) {
      // oclif's parse errors: keep the first line, point at --help.
      const first = err.message.split('\n').map(l => l.trim()).filter(l => l !== '')[0] ?? 'invalid command line'
      const help = `see \`ferry ${(this.id ?? '').split(':').join(' ')} --help\``
      const guess = await this.flagSuggestion(err as { flags?: unknown })
      process.stderr.write(`${paint.error('ferry:')} ${first}${guess === undefined ? ` (${help})` : `; did you mean ${guess}? (${help})`} [E_USAGE]\n`)
      process.exitCode = EXIT.badInput
      return
    }
    if (err.oclif?.exit === 0) return
    process.stderr.write(`${paint.error('ferry:')} ${err.message} (run with --log-level debug for details) [E_INTERNAL]\n`)
    process.exitCode = EXIT.failed
  }
}
