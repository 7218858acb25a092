// The banner `ferry start` prints once the instance listens: where, who, where the log goes, how to stop it.
import { paint } from './paint.js'

export interface BannerInput {
  readonly version: string
  readonly url: string
  readonly appRoot: string
  readonly watchdogPid: number
  readonly corePid: number
  readonly logFile?: string | undefined
  readonly environment: string
  readonly daemonized: boolean
  readonly pidFile?: string | undefined
  readonly name?: string | undefined
  readonly warning?: string
}

export function renderBanner (b: BannerInput): string {
  const stopHow = !b.daemonized ? 'press Ctrl-C' : b.name !== undefined ? `ferry stop ${b.name}` : `ferry stop --pid-file ${b.pidFile ?? ''}`
  const rows: Array<[string, string]> = [
    ['URL', paint.app(b.url)],
    ['App', b.appRoot],
    ['PID', `${b.watchdogPid} (watchdog), ${b.corePid} (core)`],
    ...(b.name !== undefined ? [['Instance', b.name] as [string, string]] : []),
    ['Log file', b.logFile ?? 'this terminal'],
    ['Environment', b.environment],
    ['Stop', stopHow]
  ]
  const lines = [paint.ok(`Ferry ${b.version} is serving your app.`), ...rows.map(([k, v]) => `  ${paint.label(`${k}:`.padEnd(13))}${v}`)]
  if (b.warning !== undefined) lines.push(`  ${paint.warn(b.warning)}`)
  return lines.join('\n') + '\n'
}
