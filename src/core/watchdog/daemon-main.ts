// The detached watchdog of `ferry start --daemonize`. Its stdin is /dev/null and its stdout/stderr are the log file,
// never the launching CLI's pipes, so nothing it or its core writes can fail once the CLI is gone. It tells the CLI
// how start-up goes over IPC, ends that hand-off itself (see hand-off.ts), then lives on its own.
import { createLogger } from '../log/logger.js'
import { LogFile } from '../log/log-file.js'
import { runWatchdog } from './watchdog.js'
import { removePidFile, writePidFile } from './pid-file.js'
import { createHandOff } from './hand-off.js'
import type { CoreConfig } from './messages.js'

const config = JSON.parse(process.env.FERRY_DAEMON_CONFIG ?? '{}') as CoreConfig
delete process.env.FERRY_DAEMON_CONFIG
const pidFile = config.options.pidFile!
writePidFile(pidFile)
const logFile = new LogFile(config.options.logFile!)
const logger = createLogger(logFile, config.options.logLevel, 'watchdog ')
const handOff = createHandOff()
const code = await runWatchdog({
  config,
  logger,
  output: 'inherit',
  onEvent: handOff.report,
  stopOnHangup: false,
  reopenLogs: () => logFile.reopen()
})
removePidFile(pidFile)
// A start-up error is still on its way to the CLI: let it arrive, so the user reads it rather than "exited with 1".
await handOff.flush(1000)
process.exit(code)
