// Turns pool events into log lines. The pool publishes; only this file decides what is worth saying.
import type { Logger } from '../log/logger.js'
import type { PoolEvents } from '../pool/events.js'
import { describeExit } from '../pool/group.js'
import { isSpawnError } from '../spawn/spawn-error.js'

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
  events.on('output', (g, pid, _stream, line) => logger.notice(`App ${pid} (${g.name}): ${line}`))
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
    if (phase === 'timeout') logger.warn(`app process ${p.pid} of ${g.name} did not finish its out-of-band work in time; back in rotation`)
    else logger.debug(`app process ${p.pid} of ${g.name}: out-of-band work ${phase === 'start' ? 'started' : 'done'}`)
  })
  events.on('tunnelDrain', (g, p, phase) => {
    if (phase === 'waiting') logger.notice(`app process ${p.pid} of ${g.name} is retired and keeps its ${p.tunnels} open tunnel(s) (WebSockets) until they close or --websocket-drain-time passes; it no longer counts against the pool`)
    else logger.notice(`app process ${p.pid} of ${g.name}: --websocket-drain-time passed; stopping it and closing its ${p.tunnels} tunnel(s)`)
  })
}
