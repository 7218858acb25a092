// Semantic colours: chalk decides whether the stream is a terminal (and honours FORCE_COLOR); NO_COLOR, which chalk
// leaves to its users, turns them off whatever the terminal or FORCE_COLOR say (https://no-color.org).
import { Chalk } from 'chalk'

const chalk = new Chalk(process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '' ? { level: 0 } : {})

export const paint = {
  error: (s: string) => chalk.red.bold(s),
  warn: (s: string) => chalk.yellow(s),
  ok: (s: string) => chalk.green(s),
  app: (s: string) => chalk.cyan(s),
  label: (s: string) => chalk.bold(s),
  dim: (s: string) => chalk.dim(s)
}
