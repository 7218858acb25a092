// `ferry stauts`: one line naming the nearest command, on a terminal or not. oclif's plugin-not-found was tried and
// left out: on a terminal it asks "Did you mean start?" (its plain edit distance picks start over status for
// stauts) and runs that command when the user just presses Enter, which for `ferry start` is a server started by
// accident; off a terminal it names no command at all. A guess is shown here, never run.
import type { Hook } from '@oclif/core'
import { EXIT } from '../../core/errors.js'
import { paint } from '../render/paint.js'
import { closest } from '../suggest.js'

const hook: Hook.CommandNotFound = async function (opts) {
  const typed = opts.id.split(':').join(' ')
  const visible = opts.config.commands.filter(c => c.hidden !== true).flatMap(c => [c.id, ...c.aliases]).map(id => id.split(':').join(' '))
  const guess = closest(typed, visible)
  const hint = guess === undefined ? 'see `ferry help` for the commands' : `did you mean \`ferry ${guess}\`? (see \`ferry help\`)`
  process.stderr.write(`${paint.error('ferry:')} \`${typed}\` is not a ferry command; ${hint} [E_USAGE]\n`)
  process.exitCode = EXIT.badInput
}

export default hook
