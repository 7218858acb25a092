// `ferry stauts`: on a terminal, oclif's plugin-not-found asks "Did you mean status?" and runs it if so; anywhere
// else (a script, a cron job) nobody can answer, so Ferry says the nearest command in its one-line error instead.
import type { Hook } from '@oclif/core'
import notFound from '@oclif/plugin-not-found'
import { EXIT } from '../../core/errors.js'
import { paint } from '../render/paint.js'
import { closest } from '../suggest.js'

const hook: Hook.CommandNotFound = async function (opts) {
  if (process.stdin.isTTY === true && process.stdout.isTTY === true) return notFound.call(this, opts)
  const typed = opts.id.split(':').join(' ')
  const visible = opts.config.commands.filter(c => c.hidden !== true).flatMap(c => [c.id, ...c.aliases]).map(id => id.split(':').join(' '))
  const guess = closest(typed, visible)
  const hint = guess === undefined ? 'see `ferry help` for the commands' : `did you mean \`ferry ${guess}\`? (see \`ferry help\`)`
  process.stderr.write(`${paint.error('ferry:')} \`${typed}\` is not a ferry command; ${hint} [E_USAGE]\n`)
  process.exitCode = EXIT.usage
}

export default hook
