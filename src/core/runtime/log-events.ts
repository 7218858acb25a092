// Turns pool events into log lines. The pool publishes; only this file decides what is worth saying.
import type { Logger } from '../log/logger.js'
import type { PoolEvents } from '../pool/events.js'
import { describeExit } from '../pool/describe-exit.js'
import { isSpawnError } from '../spawn/spawn-error.js'
import type { Group } from '../pool/group.js'
import { OutputBudget } from '../log/output-budget.js'

/** How often, at most, a notice says how much of an app's output was dropped (while it keeps dropping). */
const DROPPED_OUTPUT_REPORT_MS = 5_000

export function subscribeLogger (events: PoolEvents, logger: Logger): void {
  events.on('spawning', g => logger.info(`spawning a process for ${g.name}`))
  events.on('spawned', (g, p) => logger.notice(`app process ${p.pid} of ${g.name} is ready`))
  events.on('spawnFailed', (g, err) => {
    // The process's output was logged line by line as it arrived; the command completes the picture.
    const command = isSpawnError(err) ? ` (command: ${err.failure.command})` : ''
    logger.error(`could not start a process for ${g.name}: ${err.message}${command}`)
    logger.notice(`next attempt for ${g.name} in ${Math.max(0, g.backoffUntil - Date.now())} ms or later`)
  })
  events.on('exited', (g, p, info, unexpected) => {
    if (unexpected) logger.error(`app process ${p.pid} of ${g.name} died ${describeExit(info)}; removed from the pool`)
    else logger.info(`app process ${p.pid} of ${g.name} stopped${info.forced ? ' (killed after the grace period)' : ''}`)
  })
  events.on('idleStop', (g, p) => logger.info(`stopping idle app process ${p.pid} of ${g.name}`))
  events.on('queueFull', g => logger.warn(`returning 503: request queue of ${g.name} is full (max ${g.maxQueue})`))
  events.on('output', appOutputLogger(logger))
  events.on('restart', (g, method) => logger.notice(`restarting ${g.name} (${method})`))
  events.on('restartFile', (g, always) => logger.notice(`${always ? 'tmp/always_restart.txt exists' : 'tmp/restart.txt changed'}: restarting ${g.name}`))
  events.on('recycle', (g, p, reason) => {
    const why = reason === 'max-requests' ? `it served ${p.processed} requests (--max-requests)`
      : reason === 'memory-limit' ? 'it is over --memory-limit'
        : reason === 'unreachable' ? 'it refused a connection (it has died or its socket is gone)' : 'a request timed out (--max-request-time)'
    logger.notice(`replacing app process ${p.pid} of ${g.name}: ${why}`)
  })
  events.on('memoryOver', (g, p, kb, limitKb) =>
    logger.warn(`app process ${p.pid} of ${g.name} uses ${Math.round(kb / 1024)} MB of private memory, over the ${Math.round(limitKb / 1024)} MB limit`))
  events.on('oobWork', (g, p, phase) => {
    if (phase === 'skipped') logger.notice(`app process ${p.pid} of ${g.name} called its out-of-band work off: requests were still in flight (a client not reading its answer?); back in rotation`)
    else if (phase === 'timeout') logger.warn(`app process ${p.pid} of ${g.name} did not finish its out-of-band work in time; back in rotation`)
    else logger.debug(`app process ${p.pid} of ${g.name}: out-of-band work ${phase === 'start' ? 'started' : 'done'}`)
  })
  events.on('tunnelDrain', (g, p, phase) => {
    if (phase === 'waiting') logger.notice(`app process ${p.pid} of ${g.name} is retired and keeps its ${p.tunnels} open tunnel(s) (WebSockets) until they close or --websocket-drain-time passes; it no longer counts against the pool`)
    else logger.notice(`app process ${p.pid} of ${g.name}: --websocket-drain-time passed; stopping it and closing its ${p.tunnels} tunnel(s)`)
  })
}

/** Logs app output lines within each app's --app-output-rate budget; a notice every few seconds counts the rest. */
function appOutputLogger (logger: Logger): (g: Group, pid: number, stream: 'stdout' | 'stderr', line: string) => void {
  const budgets = new WeakMap<Group, { budget: OutputBudget, reporting: boolean }>()
  const report = (g: Group, state: { budget: OutputBudget, reporting: boolean }): void => {
    const dropped = state.budget.takeDropped()
    if (dropped === undefined) { state.reporting = false; return }
    const seconds = Math.max(1, Math.round((Date.now() - dropped.sinceMs) / 1000))
    logger.warn(`dropped ${dropped.lines} lines / ${dropped.bytes} bytes of output from app ${g.name} in the last ${seconds} s ` +
      '(over --app-output-rate / --app-output-burst)')
    setTimeout(() => report(g, state), DROPPED_OUTPUT_REPORT_MS).unref()
  }
  return (g, pid, _stream, line) => {
    let state = budgets.get(g)
    if (state === undefined) { state = { budget: new OutputBudget(), reporting: false }; budgets.set(g, state) }
    // Characters, not UTF-8 bytes: close enough for a budget, and free.
    if (state.budget.take(line.length + 1, g.outputLimit)) { logger.notice(`App ${pid} (${g.name}): ${line}`); return }
    if (state.reporting) return
    state.reporting = true
    const s = state
    setTimeout(() => report(g, s), DROPPED_OUTPUT_REPORT_MS).unref()
  }
}
