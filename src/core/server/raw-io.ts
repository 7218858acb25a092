// Reads and writes of the lean front below node's streams. A turbocache hit costs the core one read() and one
// write(); through net.Socket each also costs a Buffer, a Readable push and a 'data' emit, and a Writable write with
// its callbacks and a WriteWrap: more user time than the rest of the hit. So, where this Node allows it:
// - reads land in one buffer shared by every lean connection (what net.Socket's `onread` option does for client
//   sockets, applied to accepted ones): the connection parses in place and copies only bytes it must keep;
// - a whole answer goes to the socket's handle in one write when nothing else waits to be written (the kernel
//   takes it at once, almost always, and the request object is used again); else, or while such a write is
//   still in progress, everything goes through socket.write as before, which libuv keeps in order behind it.
// Both lean on node internals (symbols of lib/net.js, the stream_wrap binding), so both are tested for at start-up
// and each falls back to the stream path when absent. `rawIo` says which are used and counts them, for tests.
import { Socket } from 'node:net'

interface StreamHandle {
  readonly reading: boolean
  useUserBuffer?: (buf: Uint8Array) => void
  writeBuffer?: (req: object, data: Uint8Array) => number
  _consumed?: boolean
  readonly writeQueueSize?: number
}

interface WriteReq {
  handle: StreamHandle | null
  oncomplete: (this: WriteReq, status: number) => void
  buffer: Uint8Array | null
  done: ((status: number) => void) | null
}

interface StreamWrapBinding {
  readonly WriteWrap: new () => WriteReq
  readonly streamBaseState: Int32Array
  readonly kLastWriteWasAsync: number
}

/** Which raw paths this Node allows, and how often each was taken (read by tests, never on the hot path). */
export const rawIo = { reads: false, writes: false, readsTaken: 0, writesTaken: 0 }

/** Big enough for any head the lean front reads (MAX_LEAN_HEAD_BYTES) and a few pipelined ones. */
const SHARED_READ_BYTES = 64 * 1024
/** Where every lean connection's reads land; its own allocation, so a view of it is known by its ArrayBuffer. */
let shared: Buffer | undefined
let kBuffer: symbol | undefined
let kBufferCb: symbol | undefined
let kBufferGen: symbol | undefined
let binding: StreamWrapBinding | undefined
/** A WriteWrap no write holds: one whose write the kernel took at once is used again. */
let spareReq: WriteReq | undefined

/** net.Socket's user-buffer symbols, found on a socket made with `onread` (never connected). */
function detectReads (): void {
  const probe = new Socket({ onread: { buffer: Buffer.alloc(1), callback: () => undefined } } as ConstructorParameters<typeof Socket>[0])
  const symbols = Object.getOwnPropertySymbols(probe)
  const named = (name: string): symbol | undefined => symbols.find(s => s.description === name)
  kBuffer = named('kBuffer')
  kBufferCb = named('kBufferCb')
  kBufferGen = named('kBufferGen')
  const p = probe as unknown as Record<symbol, unknown>
  rawIo.reads = kBuffer !== undefined && kBufferCb !== undefined && kBufferGen !== undefined &&
    p[kBuffer] instanceof Uint8Array && typeof p[kBufferCb] === 'function' && p[kBufferGen] === null
  probe.destroy()
  if (rawIo.reads) shared = Buffer.allocUnsafeSlow(SHARED_READ_BYTES)
}

function detectWrites (): void {
  try {
    const b = (process as unknown as { binding: (name: string) => Partial<StreamWrapBinding> }).binding('stream_wrap')
    if (typeof b.WriteWrap === 'function' && b.streamBaseState instanceof Int32Array && typeof b.kLastWriteWasAsync === 'number') {
      binding = b as StreamWrapBinding
      rawIo.writes = true
    }
  } catch {}
}

if (process.env.FERRY_RAW_IO !== 'off') {
  try { detectReads() } catch { rawIo.reads = false }
  detectWrites()
}

const handleOf = (socket: Socket): StreamHandle | undefined => (socket as unknown as { _handle: StreamHandle | null })._handle ?? undefined

/**
 * Makes `socket`'s reads land in the shared buffer and go to `onRead` (the bytes are valid only during the call:
 * whatever is kept must be copied). False when this Node or this socket does not allow it (then read 'data').
 * Not for a socket with bytes waiting in its Readable: they would come after newer ones.
 */
export function readRaw (socket: Socket, onRead: (this: Socket, n: number, buf: Buffer) => void): boolean {
  const handle = handleOf(socket)
  if (!rawIo.reads || handle === undefined || typeof handle.useUserBuffer !== 'function' || socket.readableLength > 0 || socket.destroyed) return false
  const s = socket as unknown as Record<symbol, unknown>
  if (s[kBuffer!] !== shared) {
    // A socket already given a buffer by someone else is left alone.
    if (s[kBuffer!] !== null) return false
    handle.useUserBuffer(shared!)
    s[kBuffer!] = shared
    s[kBufferGen!] = null
  }
  s[kBufferCb!] = onRead
  return true
}

/** True when `socket` reads into the shared buffer (raw or, after readAsStream, as copies pushed). */
export function readsShared (socket: Socket): boolean {
  return rawIo.reads && (socket as unknown as Record<symbol, unknown>)[kBuffer!] === shared
}

/** A socket that read raw, read again through its Readable: each read pushed as a copy (for node's server and tunnels). */
export function readAsStream (socket: Socket): void {
  if (!readsShared(socket)) return
  ;(socket as unknown as Record<symbol, unknown>)[kBufferCb!] = pushCopy
  // node's HTTP server would otherwise consume the handle itself, below the buffer the reads now land in.
  const handle = handleOf(socket)
  if (handle !== undefined) handle._consumed = true
}

function pushCopy (this: Socket, n: number, buf: Buffer): boolean {
  return this.push(Buffer.from(buf.subarray(0, n)))
}

function onRawWriteComplete (this: WriteReq, status: number): void {
  const done = this.done
  this.done = null
  this.buffer = null
  this.handle = null
  done?.(status)
}

/**
 * Writes `data` to `socket`'s handle if nothing of the socket's own waits to be written. Returns 'sent' (the kernel
 * took it all), 'pending' (`done` is called when it has, with a negative status on error) or 'no' (not written:
 * use socket.write). A write that fails at once destroys the socket and counts as sent.
 */
export function writeRaw (socket: Socket, data: Buffer, done: (status: number) => void): 'sent' | 'pending' | 'no' {
  const handle = handleOf(socket)
  if (binding === undefined || handle === undefined || typeof handle.writeBuffer !== 'function' || socket.writableLength !== 0 ||
    socket.writableCorked !== 0 || !socket.writable || socket.connecting) return 'no'
  const req = spareReq ?? new binding.WriteWrap()
  spareReq = undefined
  req.handle = handle
  req.oncomplete = onRawWriteComplete
  req.buffer = null
  req.done = null
  const err = handle.writeBuffer(req, data)
  rawIo.writesTaken++
  if (err !== 0) { socket.destroy(); return 'sent' }
  if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) {
    // Written by the kernel at once: no request was made of the object, so it serves the next write.
    req.handle = null
    spareReq = req
    return 'sent'
  }
  req.buffer = data
  req.done = done
  return 'pending'
}

/** Bytes of raw writes the kernel has not taken yet (libuv's write queue). */
export function rawUnsent (socket: Socket): number { return handleOf(socket)?.writeQueueSize ?? 0 }
