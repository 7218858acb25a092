// The detached watchdog of `ferry start --daemonize`. Its stdout/stderr are the log file. It tells the launching
// CLI how start-up goes over IPC until the CLI disconnects, then lives on its own.
import { createLogger } from '../log/logger.js'
import { LogFile } from '../log/log-file.js'
import { runWatchdog } from './watchdog.js'
import { removePidFile, writePidFile } from './pid-file.js'
import type { CoreConfig } from './messages.js'

const config = JSON.parse(process.env.FERRY_DAEMON_CONFIG ?? '{}') as CoreConfig
delete process.env.FERRY_DAEMON_CONFIG
const pidFile = config.options.pidFile!
writePidFile(pidFile)
const logFile = new LogFile(config.options.logFile!)
const logger = createLogger(logFile, config.options.logLevel, 'watchdog ')
const code = await runWatchdog({
  config,
  logger,
  output: 'inherit',
  onEvent: e => { if (process.connected) process.send?.(e) },
  stopOnHangup: false,
  reopenLogs: () => logFile.reopen()
})
removePidFile(pidFile)
process.exit(code)
