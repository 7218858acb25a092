'use strict'
// Preloaded, instead of preload.cjs, into the processes of an app run with --bypass. The app's first HTTP listen()
// goes onto the listening socket the core hands over IPC (the instance's own port, shared by every process of the
// app), so each process accepts its clients itself and the core is not on the request path. The core still
// supervises; this file tells it what only the process can see now: readiness, and batched request counters.
// Plain CommonJS without dependencies, like preload.cjs, whose load reports, out-of-band work and exit it reuses.
const http = require('node:http')
const net = require('node:net')
const { performance } = require('node:perf_hooks')
const { reportLoad, onCoreMessage, exitWhenCoreLeaves } = require('./preload.cjs')
const { keepTickShape } = require('./keep-tick-shape.cjs')

/** How often the counters go to the core (only when they changed): batched, never one message per request. */
const STATS_REPORT_MS = 1000
/** While draining, how often the open connections are looked at. */
const DRAIN_POLL_MS = 100
/**
 * While draining, a keep-alive connection is closed once it has been quiet this long. A busy client sends its next
 * request on it sooner and gets `Connection: close` with the answer, so it reconnects (to another process) without
 * an error; closing a connection at once could cross a request the client is sending (ECONNRESET for it).
 */
const DRAIN_QUIET_MS = 1000
/** Before out-of-band work, the open connections must have read nothing for this long (looked at every OOB_POLL_MS)... */
const OOB_QUIET_MS = 100
const OOB_POLL_MS = 10
/** ...or, once no request is in flight, this long has passed since the work was asked for. */
const OOB_QUIET_MAX_WAIT_MS = 1000
/**
 * ...but requests still in flight this long after the work was asked for (a client that does not read its answer
 * holds it for as long as it likes) call the work off: the process takes clients again rather than stay out.
 */
const OOB_IN_FLIGHT_MAX_WAIT_MS = 5000
/** The core listened with this backlog; listen() on the shared socket sets it again, so keep the same. */
const BACKLOG = 2048
/** Upper bounds of the duration buckets in ms: the same as the core's request tally (request-tally.ts). */
const BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
const kStart = Symbol('ferry.start')
/** On a socket that has carried a request (and was not taken over since): it counts for connection balance. */
const kUsed = Symbol('ferry.used')
/** Set on a response whose head asks for out-of-band work (X-Ferry-OOB-Work: true). */
const kAsksOob = Symbol('ferry.asksOob')
const OOB_FIELD = 'x-ferry-oob-work'
/** The field's lines in a rendered head (the name in any case), each with its value. */
const OOB_LINES = /\r\n[xX]-[fF][eE][rR][rR][yY]-[oO][oO][bB]-[wW][oO][rR][kK]:([^\r\n]*)(?=\r\n)/g
/** The value the core reads from a proxied answer as asking: `true`, blanks around it allowed (`TRUE` does not ask). */
const TRUE_VALUE = /^[ \t]*true[ \t]*$/

if (process.env.FERRY_BYPASS === '1' && typeof process.send === 'function') install()

function install () {
  keepTickShape()
  watchForOobAsks()
  // Processes the app forks inherit --require but not this variable: in them this file does nothing.
  delete process.env.FERRY_BYPASS
  process.title = 'Ferry NodeApp: ' + (process.env.FERRY_APP_ROOT || process.cwd())
  // held: idle keep-alive connections not read during out-of-band work.
  // shed: connections still to close after their next answer, as the core asked (connection balance, below).
  const state = { server: undefined, handle: undefined, draining: false, oob: false, held: [], shed: 0, shedLapse: undefined }
  const originalListen = http.Server.prototype.listen
  http.Server.prototype.listen = function ferryListen (...args) {
    // Only the first listen() is the app's front door; later ones (a second server, a metrics port) are the app's own.
    if (state.server !== undefined) return originalListen.apply(this, args)
    state.server = this
    const callback = args[args.length - 1]
    if (typeof callback === 'function') this.once('listening', callback)
    this.once('listening', () => onListening(this, state))
    if (state.handle !== undefined) originalListen.call(this, state.handle, BACKLOG)
    // The handle is on its way: the channel must keep the process alive until it comes (it is unref'd otherwise).
    else if (process.channel) process.channel.ref()
    return this
  }
  const useHandle = handle => {
    state.handle = handle
    state.oob = false
    releaseHeld(state)
    // A retired process never accepts again (a handle sent back after out-of-band work may cross its drain).
    if (state.server !== undefined && !state.server.listening && !state.draining) {
      originalListen.call(state.server, handle, BACKLOG)
      // Back after out-of-band work: the server keeps the process alive again, not the channel.
      if (state.counters !== undefined && process.channel) process.channel.unref()
    }
  }
  process.on('message', (message, handle) => {
    if (message === null || typeof message !== 'object') return
    if (message.type === 'ferry:listen-handle' && handle) {
      // Static files or the turbocache: Ferry's own modules are loaded before the first client is accepted.
      if (message.serve && state.loading === undefined) state.loading = loadServing(state, message.serve)
      if (state.loading !== undefined) state.loading.then(() => useHandle(handle))
      else useHandle(handle)
    } else if (message.type === 'ferry:drain') {
      if (state.serving !== undefined) state.serving.retire()
      drain(state)
    } else if (message.type === 'ferry:cache-purge') {
      purge(state, message)
    } else if (message.type === 'ferry:cache-invalidate') {
      // Another process of the app answered a write: what it invalidated in its cache is dropped from this one.
      const serving = state.serving
      try {
        if (serving !== undefined && message.all === true) serving.purge({ all: true })
        else if (serving !== undefined && Array.isArray(message.keys)) serving.dropUrlKeys(message.keys.filter(k => typeof k === 'string'))
      } catch {}
    } else if (message.type === 'ferry:oob-work') {
      pauseForOobWork(state, message)
    } else if (message.type === 'ferry:shed') {
      shedConnections(state, message)
    } else {
      onCoreMessage(message)
    }
  })
  exitWhenCoreLeaves(state)
}

function onListening (server, state) {
  if (process.channel) process.channel.unref()
  const counters = countRequests(server, state)
  if (process.connected) process.send({ type: 'ferry:ready', bypass: true }, () => {})
  reportLoad()
  setInterval(() => sendStats(counters, false), STATS_REPORT_MS).unref()
  state.counters = counters
  reportConnections(server, counters)
}

/**
 * Imports Ferry's compiled module that serves static files and the turbocache in this process (the core names it:
 * bypass/in-process.js). Only when one of them is on, so an app without either pays nothing for them. If it cannot
 * be loaded the app still serves, without them, and the reason is in the log.
 */
function loadServing (state, serve) {
  const onError = err => process.stderr.write(`Ferry (bypass): ${err && err.message ? err.message : String(err)}\n`)
  return import(serve.module).then(m => {
    // The IPC channel: what a write answered here invalidates goes to the core, for the app's other processes.
    state.serving = m.createInProcessServing(serve.options, onError, process)
  }, err => onError(new Error(`static files and the turbocache are off in this process: cannot load ${serve.module}: ${err && err.message}`)))
}

/** An operator's purge, from the core: what it names is dropped, the count goes back, the figures follow. */
function purge (state, message) {
  let n = 0
  try {
    n = state.serving !== undefined ? state.serving.purge(message.target) : 0
  } catch {}
  if (process.connected) process.send({ type: 'ferry:cache-purged', id: message.id, purged: n }, () => {})
  if (state.counters) sendStats(state.counters, true)
}

/**
 * Out-of-band work: this process stops accepting (the others, or the backlog, take new clients), answers the
 * requests it has with Connection: close so their clients move to another process, and does the work once none is
 * in flight and its open connections have been quiet for OOB_QUIET_MS (a busy keep-alive client sends its next
 * request sooner, and is told to reconnect with the answer); then it reports done, the core hands the listening
 * socket back, and it accepts again. A connection idle all along is not read during the work: a request sent on it
 * waits for the work to end rather than meet it (closing it instead could cross a request its client is sending).
 */
function pauseForOobWork (state, message) {
  const server = state.server
  if (server === undefined || state.draining || state.oob || state.counters === undefined) { onCoreMessage(message); return }
  state.oob = true
  // Without its listening socket the process could run out of work and exit: the channel keeps it until it is back.
  if (process.channel) process.channel.ref()
  if (server.listening) net.Server.prototype.close.call(server)
  const c = state.counters
  // The answers in progress close their connections too (those whose head is not out yet).
  for (const s of c.sockets) if (s._httpMessage != null && !s._httpMessage.headersSent) s._httpMessage.shouldKeepAlive = false
  const started = performance.now()
  const seen = new Map()
  const timer = setInterval(() => {
    // The core gave up waiting (its timeout) and handed the socket back, or the process is being retired.
    if (!state.oob || state.draining) { clearInterval(timer); return }
    const now = performance.now()
    let quiet = c.inFlight <= 0
    for (const s of c.sockets) {
      const last = seen.get(s)
      if (last === undefined || last.read !== s.bytesRead) { seen.set(s, { read: s.bytesRead, since: now }); quiet = false }
      else if (now - last.since < OOB_QUIET_MS) quiet = false
    }
    if (c.inFlight > 0 && now - started >= OOB_IN_FLIGHT_MAX_WAIT_MS) {
      clearInterval(timer)
      process.stderr.write(`Ferry (bypass): out-of-band work called off: ${c.inFlight} request(s) still in flight after ${OOB_IN_FLIGHT_MAX_WAIT_MS / 1000} s\n`)
      // Answered as done, so the core hands the listening socket back now (not after its timeout).
      if (process.connected) process.send({ type: 'ferry:oob-done', id: message.id, skipped: true }, () => {})
      return
    }
    if (c.inFlight > 0 || (!quiet && now - started < OOB_QUIET_MAX_WAIT_MS)) return
    clearInterval(timer)
    for (const s of c.sockets) {
      if (s._httpMessage != null || s.destroyed) continue
      // Unread, the connection's keep-alive timer would run out during a long work and close it with a request
      // waiting in it: it starts again when the connection is read again.
      s.setTimeout(0)
      s.pause()
      state.held.push(s)
    }
    onCoreMessage(message)
  }, OOB_POLL_MS)
}

/** The connections held unread during out-of-band work are read again, each idle for a fresh keep-alive timeout. */
function releaseHeld (state) {
  const timeout = state.server !== undefined ? state.server.keepAliveTimeout : 0
  for (const s of state.held.splice(0)) {
    if (s.destroyed) continue
    if (timeout > 0 && s._httpMessage == null) s.setTimeout(timeout)
    s.resume()
  }
}

/** Counters kept on the request path: a few additions per request, and one listener on its response. */
function countRequests (server, state) {
  const c = {
    requests: 0, // finished
    inFlight: 0,
    lastUsed: 0,
    lastRequests: 0,
    byClass: [0, 0, 0, 0, 0, 0],
    buckets: new Array(BOUNDS_MS.length + 1).fill(0),
    sumMs: 0,
    sockets: new Set(),
    /** Open sockets that have carried a request: those an order to shed can close (connection balance). */
    used: 0,
    /** Called whenever `used` changes (connection balance reports it). */
    onUsedChange: undefined,
    closedBytesIn: 0,
    closedBytesOut: 0,
    sent: -1,
    /** Static files and the turbocache in this process, when on. */
    serving: undefined
  }
  function onClose () {
    c.inFlight--
    c.requests++
    const status = this.headersSent ? this.statusCode : 0
    c.byClass[status >= 100 && status < 600 ? (status / 100) | 0 : 0]++
    const ms = performance.now() - this[kStart]
    let i = 0
    while (i < BOUNDS_MS.length && ms > BOUNDS_MS[i]) i++
    c.buckets[i]++
    c.sumMs += ms
    // The app asks for out-of-band work with a response header (as through the core): the core decides when.
    if (this[kAsksOob] === true && process.connected) process.send({ type: 'ferry:oob-wanted' }, () => {})
  }
  /** Counts a request once (false when it was already: an app may emit its checkContinue request as 'request'). */
  const onRequest = (req, res) => {
    if (res[kStart] !== undefined) return false
    c.inFlight++
    res[kStart] = performance.now()
    res.on('close', onClose)
    const socket = req.socket
    if (socket != null && socket[kUsed] !== true) { socket[kUsed] = true; c.used++; c.onUsedChange?.() }
    // A process that stops accepting tells keep-alive clients to reconnect, which lands them on another process.
    if (state.draining || state.oob) res.shouldKeepAlive = false
    if (state.shed > 0) shedOne(state, req, res)
    return true
  }
  const serving = state.serving
  const emit = server.emit
  if (serving === undefined) {
    // In front of the app's handlers rather than a second 'request' listener: with two, node copies the listener
    // array for every request.
    server.emit = function ferryEmit (event, req, res) {
      if (event === 'request') onRequest(req, res)
      return emit.apply(this, arguments)
    }
  } else {
    // Static files and cache hits are answered before the app's handler runs, and counted like its answers. The
    // handler is reached through one function made here, not a closure made for each request.
    const toApp = (req, res) => { emit.call(server, 'request', req, res) }
    server.emit = function ferryEmit (event, req, res) {
      if (event !== 'request' || res[kStart] !== undefined) return emit.apply(this, arguments)
      onRequest(req, res)
      serving.serve(req, res, toApp)
      return true
    }
    c.serving = serving
  }
  // An app that listens for checkContinue or checkExpectation is given the requests that carry Expect under that
  // name instead of 'request': they are counted and go through the cache (a write invalidates) all the same. Hooked
  // only once the app listens for one, so other apps pay nothing for it.
  const expectEvents = name => name === 'checkContinue' || name === 'checkExpectation'
  const hookExpect = () => {
    const emit = server.emit
    const toContinue = (req, res) => { emit.call(server, 'checkContinue', req, res) }
    const toExpectation = (req, res) => { emit.call(server, 'checkExpectation', req, res) }
    server.emit = function ferryEmitExpect (event, req, res) {
      if (!expectEvents(event) || !onRequest(req, res) || serving === undefined) return emit.apply(this, arguments)
      serving.serve(req, res, event === 'checkContinue' ? toContinue : toExpectation)
      return true
    }
  }
  if (server.listenerCount('checkContinue') + server.listenerCount('checkExpectation') > 0) hookExpect()
  else {
    server.on('newListener', function watchExpect (name) {
      if (!expectEvents(name)) return
      server.off('newListener', watchExpect)
      hookExpect()
    })
  }
  server.on('connection', socket => {
    c.sockets.add(socket)
    socket.once('close', () => {
      c.sockets.delete(socket)
      if (socket[kUsed] === true) { socket[kUsed] = false; c.used--; c.onUsedChange?.() }
      c.closedBytesIn += socket.bytesRead
      c.closedBytesOut += socket.bytesWritten
    })
  })
  return c
}

/**
 * Marks each response whose head carries X-Ferry-OOB-Work: true, as node rendered it. Every head is rendered by
 * _storeHeader from the fields as the app gave them: node's own table (setHeader, appendHeader, setHeaders: lower-case
 * names), or writeHead's object or array when nothing was set before. Only a head that names the field is read, and
 * only once node has rendered it without error: the value is what node wrote (arrays, joined unique fields, values
 * made of objects), as the core reads it from a proxied answer. Searching every rendered head, as before, first
 * copied it flat: about 1% of a bypassed process's time on a small answer (perf, 2026-12-01).
 */
function watchForOobAsks () {
  const proto = http.ServerResponse.prototype
  const storeHeader = proto._storeHeader
  if (typeof storeHeader !== 'function') return
  proto._storeHeader = function ferryStoreHeader (firstLine, headers) {
    const result = storeHeader.call(this, firstLine, headers)
    // The head is set by now: nothing here may throw into the app (a getter or a Proxy among its fields may).
    try {
      if (headers != null && typeof headers === 'object' && namesOobField(headers) && asksInHead(this._header)) this[kAsksOob] = true
    } catch {}
    return result
  }
}

/** Whether a field list, in any form _storeHeader takes, names X-Ferry-OOB-Work (walked as node walks it). */
function namesOobField (headers) {
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      // node reads entry[0] and entry[1] of every entry once the first is an array: later ones may be array-likes.
      for (let i = 0; i < headers.length; i++) {
        const entry = headers[i]
        if (entry != null && isOobField(entry[0])) return true
      }
      return false
    }
    for (let i = 0; i < headers.length; i += 2) if (isOobField(headers[i])) return true
    return false
  }
  for (const name in headers) if (isOobField(name)) return true
  return false
}

/** As the core reads the field from a proxied answer: of several lines, the last one counts. */
function asksInHead (head) {
  if (typeof head !== 'string') return false
  let last
  for (const m of head.matchAll(OOB_LINES)) last = m[1]
  return last !== undefined && TRUE_VALUE.test(last)
}

function isOobField (name) {
  return typeof name === 'string' && name.length === OOB_FIELD.length && name.toLowerCase() === OOB_FIELD
}

/** Sends the counters when they changed (or when `force`): totals for the process, deltas for the histogram. */
function sendStats (c, force) {
  const changed = c.requests * 1e6 + c.inFlight
  if (!process.connected || (!force && changed === c.sent)) return
  if (c.requests !== c.lastRequests) c.lastUsed = Date.now()
  c.lastRequests = c.requests
  c.sent = changed
  let bytesIn = c.closedBytesIn
  let bytesOut = c.closedBytesOut
  for (const s of c.sockets) { bytesIn += s.bytesRead; bytesOut += s.bytesWritten }
  process.send({
    type: 'ferry:stats',
    processed: c.requests,
    inFlight: Math.max(0, c.inFlight),
    lastUsed: c.lastUsed,
    bytesIn,
    bytesOut,
    byClass: c.byClass,
    buckets: c.buckets,
    sumMs: c.sumMs,
    cache: c.serving !== undefined ? c.serving.figures() : undefined
  }, () => {})
  // Deltas: the core adds them to its tally, so they start again from zero.
  c.byClass = [0, 0, 0, 0, 0, 0]
  c.buckets = new Array(BOUNDS_MS.length + 1).fill(0)
  c.sumMs = 0
}

/**
 * The core retires this process: it stops accepting (the other processes, or the backlog, take new clients),
 * finishes the requests it has, closes keep-alive connections as they go idle, reports its last counters, and
 * says "drained". The core then ends it.
 */
function drain (state) {
  if (state.draining) return
  state.draining = true
  // Retired while out for out-of-band work: a request waiting unread on a held connection is answered (with
  // Connection: close) rather than lost when the connection is closed as quiet, even if the work is not over.
  releaseHeld(state)
  const server = state.server
  let reported = false
  let timer
  const done = () => {
    clearInterval(timer)
    if (reported) return
    reported = true
    if (state.counters) sendStats(state.counters, true)
    if (process.connected) process.send({ type: 'ferry:drained' }, () => {})
  }
  if (server === undefined) { done(); return }
  const sockets = state.counters ? state.counters.sockets : new Set()
  const quiet = new Map()
  // Out for out-of-band work, it is not listening already: its connections are still waited for.
  const outForWork = !server.listening
  timer = setInterval(() => {
    closeQuietConnections(sockets, quiet)
    if (outForWork && sockets.size === 0) done()
  }, DRAIN_POLL_MS)
  // net's close, not http's: since node 19 http's also closes every idle keep-alive connection at once, which
  // crosses the requests clients are sending on them at that moment.
  if (!outForWork) net.Server.prototype.close.call(server, done)
}

/** Closes the connections that carry no response and read nothing for DRAIN_QUIET_MS. */
function closeQuietConnections (sockets, quiet) {
  const polls = DRAIN_QUIET_MS / DRAIN_POLL_MS
  for (const s of sockets) {
    const seen = quiet.get(s)
    // _httpMessage is the response node has assigned to the connection, null between requests.
    const idle = s._httpMessage == null && seen !== undefined && seen.read === s.bytesRead
    if (!idle) { quiet.set(s, { read: s.bytesRead, polls: 0 }); continue }
    if (++seen.polls >= polls) { quiet.delete(s); s.destroy() }
  }
}

// ---- Connection balance -------------------------------------------------------------------------------------------
// The kernel gives each new connection to whichever process accepts first, and a keep-alive connection stays, so one
// process can hold most of a burst. This process says how many connections it holds; the core weighs the group and
// tells one over its share to shed the excess (src/core/pool/connection-balance.ts). Nothing here runs per request
// but the `state.shed > 0` test in onRequest.

/** Open-connection counts go to the core at most this often, and only when the count changed since the last one. */
const CONNECTIONS_REPORT_MS = 25
/**
 * An order to shed lapses after this long: connections that stayed idle meanwhile are not closed later for an
 * imbalance long gone (the core orders again if it is still there).
 */
const SHED_LAPSE_MS = 1000

/**
 * Reports the open-connection count soon after it changes: one message for a whole burst of connects or closes. The
 * first report, as it starts listening, tells the core a process with none has joined. Only connections that have
 * carried a request count: an order to shed closes a connection with its next answer, so one that never asks (opened
 * and left idle, by a careless or hostile client) or that the app took over (an Upgrade, such as a WebSocket) cannot
 * be shed, and a process holding many would be told to shed its active clients until the other process held them all.
 */
function reportConnections (server, counters) {
  let sent = -1
  let timer
  const send = () => {
    timer = undefined
    const open = counters.used
    if (open === sent || !process.connected) return
    sent = open
    process.send({ type: 'ferry:connections', open }, () => {})
  }
  const changed = () => {
    if (timer === undefined) timer = setTimeout(send, CONNECTIONS_REPORT_MS).unref()
  }
  counters.onUsedChange = changed
  const onUpgrade = (req, socket) => {
    if (socket[kUsed] !== true) return
    socket[kUsed] = false
    counters.used--
    changed()
  }
  // Only once the app listens for 'upgrade': without a listener node refuses upgrades, and one of ours would change that.
  if (server.listenerCount('upgrade') > 0) server.prependListener('upgrade', onUpgrade)
  else {
    server.on('newListener', function watchUpgrade (name) {
      if (name !== 'upgrade') return
      server.off('newListener', watchUpgrade)
      server.prependListener('upgrade', onUpgrade)
    })
  }
  changed()
}

/**
 * The core's order: the next `count` answers on keep-alive connections close them (Connection: close), so their
 * clients reconnect, likely to a less busy process. Never more than the connections held; a new order replaces the
 * last one. Not while draining or out for out-of-band work: every answer closes its connection then anyway.
 */
function shedConnections (state, message) {
  const count = message.count
  if (typeof count !== 'number' || !(count > 0) || state.draining || state.oob || state.counters === undefined) return
  state.shed = Math.min(Math.floor(count), state.counters.sockets.size)
  clearTimeout(state.shedLapse)
  state.shedLapse = setTimeout(() => { state.shed = 0 }, SHED_LAPSE_MS).unref()
}

/**
 * On the request path while an order stands: this answer closes its connection (unless it does already). One whose
 * body is still coming is shed only if the app reads all of it before answering: an app that answers first (a 401, a
 * 413) would have the connection closed mid-upload, failing a client that sends its whole body before it reads,
 * where node keeps a keep-alive connection and drops the rest.
 */
function shedOne (state, req, res) {
  if (!res.shouldKeepAlive) return
  if (req.complete || !hasBody(req.headers)) {
    res.shouldKeepAlive = false
    state.shed--
    return
  }
  req.once('end', () => {
    if (state.shed > 0 && res.shouldKeepAlive && !res.headersSent) { res.shouldKeepAlive = false; state.shed-- }
  })
}

const hasBody = headers => headers['transfer-encoding'] !== undefined ||
  (headers['content-length'] !== undefined && headers['content-length'] !== '0')
