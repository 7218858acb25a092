'use strict'
// Preloaded into every Node app with `node --require <this file> <startup file>`, so it runs before the app's own
// code whether the entry file is CommonJS or an ES module. It moves the app's first HTTP listen() onto the Unix
// socket the core chose, tells the core over IPC once that socket accepts, and ends the app when the core goes away.
// Plain CommonJS without dependencies: it runs inside the user's app, which may have any packages (or none).
const http = require('node:http')
const fs = require('node:fs')
const { performance } = require('node:perf_hooks')
const { keepTickShape } = require('./keep-tick-shape.cjs')

/** Once the core is gone, a server that does not close within this long is not waited for. */
const EXIT_GRACE_MS = 1000
/** How often the event-loop utilization is reported; the pool grows a group when every process is saturated. */
const LOAD_REPORT_MS = 1000

const socketPath = process.env.FERRY_SOCKET_PATH
// Processes the app forks inherit --require through execArgv but not this variable, so in them this does nothing.
if (socketPath && typeof process.send === 'function') install(socketPath)

function install (socketPath) {
  keepTickShape()
  delete process.env.FERRY_SOCKET_PATH
  process.title = 'Ferry NodeApp: ' + (process.env.FERRY_APP_ROOT || process.cwd())
  const state = { server: undefined }
  const originalListen = http.Server.prototype.listen
  http.Server.prototype.listen = function ferryListen (...args) {
    // Only the first listen() is the app's front door; later ones (a second server, a metrics port) are the app's own.
    if (state.server !== undefined) return originalListen.apply(this, args)
    state.server = this
    listenOnSocket(this, originalListen, args, socketPath)
    return this
  }
  process.on('message', onCoreMessage)
  exitWhenCoreLeaves(state)
}

/** Tells the core, once a second, how busy the event loop was: its signal that this process is saturated. */
function reportLoad () {
  let last = performance.eventLoopUtilization()
  setInterval(() => {
    const now = performance.eventLoopUtilization()
    const elu = performance.eventLoopUtilization(now, last).utilization
    last = now
    if (process.connected) process.send({ type: 'ferry:load', elu }, () => {})
  }, LOAD_REPORT_MS).unref()
}

function onCoreMessage (message) {
  if (message === null || typeof message !== 'object' || message.type !== 'ferry:oob-work') return
  let reported = false
  const done = () => {
    if (reported) return
    reported = true
    if (process.connected) process.send({ type: 'ferry:oob-done', id: message.id }, () => {})
  }
  // The app's own handler does the work and calls done(); without one, collect garbage if --expose-gc allows it.
  if (process.listenerCount('ferry:oob-work') > 0) {
    process.emit('ferry:oob-work', done)
    return
  }
  if (typeof global.gc === 'function') global.gc()
  done()
}

/** Listens on the socket whatever port, host or options the app asked for, keeping its callback. */
function listenOnSocket (server, originalListen, args, socketPath) {
  const callback = args[args.length - 1]
  if (typeof callback === 'function') server.once('listening', callback)
  server.once('listening', () => {
    // The callback swallows send errors: if the channel is gone, the disconnect handler is already ending the app.
    if (process.connected) process.send({ type: 'ferry:ready', socketPath }, () => {})
    reportLoad()
  })
  // A socket file left by an earlier process with the same name would make listen() fail with EADDRINUSE.
  fs.rmSync(socketPath, { force: true })
  originalListen.call(server, socketPath)
}

// The bypass preload (preload-bypass.cjs) shares these: it differs only in where the app's server listens.
module.exports = { reportLoad, onCoreMessage, exitWhenCoreLeaves }

/** The IPC channel closes when the core stops this process or dies; either way the app must not linger. */
function exitWhenCoreLeaves (state) {
  process.once('disconnect', () => {
    setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref()
    const server = state.server
    if (server === undefined) return process.exit(0)
    server.close(() => process.exit(0))
    server.closeIdleConnections()
  })
  // The channel must not keep the app alive by itself: a script that ends without listening should exit, not hang.
  if (process.channel) process.channel.unref()
}
