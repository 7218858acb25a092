// Responses to clients leave at the end of the event-loop turn rather than one by one as they are made. The core
// answers many connections per turn; written at once, each would wake the client's process (a front server worker,
// a load generator thread) again, often preempting the core on its way. Corked until the turn's end, the writes go
// out together, so a client woken by the first of its responses finds the others already there. Measured with wrk
// on the 2-vCPU machine: ~2.5 µs less core CPU per proxied request, +10-16% requests/s, lower p50, p99 no worse.
import type { Socket } from 'node:net'

/**
 * At most this many sockets wait: an overloaded core can run a turn of a thousand events (tens of milliseconds), and
 * the first response of such a turn should not wait for the last one's.
 */
const MAX_HELD = 64

/** What else waits for the turn's end: lean connections holding hits they write below the socket's stream. */
export interface TurnEndFlush { flushHits (): void }

let held: Socket[] = []
let spare: Socket[] = []
let heldFlushes: TurnEndFlush[] = []
let spareFlushes: TurnEndFlush[] = []
let flushScheduled = false

function flushAtTurnEnd (): void {
  flushScheduled = false
  flush()
}

function flush (): void {
  // Swapped first: an uncork can run code that holds another socket, which then waits for the next flush.
  const sockets = held
  held = spare
  spare = sockets
  const flushes = heldFlushes
  heldFlushes = spareFlushes
  spareFlushes = flushes
  for (let i = 0; i < sockets.length; i++) sockets[i]!.uncork()
  sockets.length = 0
  for (let i = 0; i < flushes.length; i++) flushes[i]!.flushHits()
  flushes.length = 0
}

function scheduleFlush (): void {
  if (!flushScheduled) { flushScheduled = true; setImmediate(flushAtTurnEnd) }
}

/** Holds what is written to `socket` until the end of this turn of the event loop (order and backpressure kept). */
export function holdUntilTurnEnds (socket: Socket): void {
  if (socket.writableCorked > 0) return
  if (held.length + heldFlushes.length >= MAX_HELD) flush()
  socket.cork()
  held.push(socket)
  scheduleFlush()
}

/** Calls `f.flushHits()` at the end of this turn, with the held sockets (one wait, one limit for both). */
export function flushHitsAtTurnEnd (f: TurnEndFlush): void {
  if (held.length + heldFlushes.length >= MAX_HELD) flush()
  heldFlushes.push(f)
  scheduleFlush()
}
