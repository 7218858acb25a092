// Semantic colours: chalk decides whether the stream is a terminal (and honours NO_COLOR / FORCE_COLOR).
import chalk from 'chalk'

export const paint = {
  error: (s: string) => chalk.red.bold(s),
  warn: (s: string) => chalk.yellow(s),
  ok: (s: string) => chalk.green(s),
  app: (s: string) => chalk.cyan(s),
  label: (s: string) => chalk.bold(s),
  dim: (s: string) => chalk.dim(s)
}
