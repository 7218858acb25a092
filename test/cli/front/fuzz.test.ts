// A bounded fuzz run against a real Ferry and a real app: several keep-alive clients send a deterministic mix of
// well-formed requests (pipelined, with and without bodies, split across packets) and hostile ones (smuggling
// attempts, headers a client lists in Connection, duplicate Host, absolute-form targets, invalid bytes, random
// mutations). The app answers each request with what identifies it, so a response that reaches the wrong client
// names the request it was for. What must hold whatever a client sends: the core never restarts, every well-formed
// request gets its own response (no cross-talk), and nothing is left in flight afterwards.
//
// Fixed counts, a fixed seed and generous waits: the run is the same on every machine; only its speed differs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { startFerry } from '../../helpers/ferry.js'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'
import { isAlive } from '../../helpers/procs.js'
import { HTTPParser, parseErrorCode, type NodeParser } from '../../helpers/node-http-parser.js'

const SEED = 1302
/** At most 9: sequence numbers are five digits, 10,000 per client. */
const CLIENTS = 8
const BATCHES_PER_CLIENT = 200
/** How long a hostile request may leave its connection open, unanswered, before the client gives up on it. */
const HOSTILE_GRACE_MS = 2_000
/** How long well-formed requests may take to be answered: far more than they need on any machine. */
const ANSWER_WAIT_MS = 20_000

/** What the app saw, as it echoes it (test/fixtures/apps/fuzz-echo). */
interface Echo { id: string, method: string, url: string, host: string, length: number }

interface Sent {
  /** Unique, fixed width (`f00042x`): a mutated copy of an id is never another request's id. */
  readonly id: string
  readonly seq: number
  readonly kind: string
  readonly wire: string
  /** Well-formed: must be answered 200 with exactly `expect`. Hostile: may be refused, but never get another's answer. */
  readonly expect?: Echo
  readonly head: boolean
  /** The client asked for the connection to close after it. */
  readonly closes: boolean
}

interface Answer { status: number, echo?: Echo | undefined }

const HOST = 'fuzz.test'

/** A small deterministic PRNG, so a failure names a case that repeats. */
function prng (seed: number): () => number {
  return () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff }
}

const idOf = (seq: number): string => `f${String(seq).padStart(5, '0')}x`
/** The id of the request a hostile request with sequence number `seq` tries to smuggle in its body. */
const smuggledIdOf = (seq: number): string => `s${String(seq).padStart(5, '0')}x`
/** Answered a little late, so that the answer reaches whichever request the proxy sends on that connection next. */
const smuggled = (seq: number): string => `GET /echo/${smuggledIdOf(seq)}?delay=50 HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${smuggledIdOf(seq)}\r\n\r\n`

// ---- well-formed requests -------------------------------------------------------------------------------------

/** A request: `head` without its final empty line, `body` as sent, `length` the body the app should read. */
interface Shape { kind: string, method: string, url: string, host: string, head: string, body: string, length: number, closes: boolean }

function wellFormed (seq: number, rand: () => number, last: boolean): Shape {
  const id = idOf(seq)
  const url = `/echo/${id}?n=${Math.floor(rand() * 1000)}`
  const body = 'b'.repeat(Math.floor(rand() * 3000))
  const common = `Host: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nUser-Agent: fuzz/1\r\n`
  const r = rand()
  if (r < 0.3) return { kind: 'GET', method: 'GET', url, host: HOST, head: `GET ${url} HTTP/1.1\r\n${common}`, body: '', length: 0, closes: false }
  if (r < 0.4) return { kind: 'HEAD', method: 'HEAD', url, host: HOST, head: `HEAD ${url} HTTP/1.1\r\n${common}`, body: '', length: 0, closes: false }
  if (r < 0.55) return { kind: 'POST Content-Length', method: 'POST', url, host: HOST, head: `POST ${url} HTTP/1.1\r\n${common}Content-Length: ${body.length}\r\n`, body, length: body.length, closes: false }
  if (r < 0.65) {
    // Chunked, in pieces, with a chunk extension and a trailer: all valid HTTP/1.1.
    const cut = Math.floor(body.length / 2)
    const chunks = [body.slice(0, cut), body.slice(cut)].filter(c => c.length > 0)
    const wire = chunks.map((c, i) => `${c.length.toString(16)}${i === 0 ? ';ext=1' : ''}\r\n${c}\r\n`).join('') + '0\r\nX-Trailer: t\r\n\r\n'
    return { kind: 'POST chunked', method: 'POST', url, host: HOST, head: `POST ${url} HTTP/1.1\r\n${common}Transfer-Encoding: chunked\r\n`, body: wire, length: body.length, closes: false }
  }
  if (r < 0.72) return { kind: 'PUT', method: 'PUT', url, host: HOST, head: `PUT ${url} HTTP/1.1\r\n${common}Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n`, body, length: body.length, closes: false }
  if (r < 0.77) return { kind: 'DELETE', method: 'DELETE', url, host: HOST, head: `DELETE ${url} HTTP/1.1\r\n${common}`, body: '', length: 0, closes: false }
  if (r < 0.85) return { kind: 'GET with cookies', method: 'GET', url, host: `${HOST}:8080`, head: `GET ${url} HTTP/1.1\r\nHost: ${HOST}:8080\r\nX-Fuzz-Id: ${id}\r\nCookie: a=1\r\nCookie: b=2\r\nAccept: */*\r\nConnection: keep-alive\r\n`, body: '', length: 0, closes: false }
  if (r < 0.92) return { kind: 'HTTP/1.0 keep-alive', method: 'GET', url, host: HOST, head: `GET ${url} HTTP/1.0\r\n${common}Connection: keep-alive\r\n`, body: '', length: 0, closes: false }
  if (last) return { kind: 'Connection: close', method: 'GET', url, host: HOST, head: `GET ${url} HTTP/1.1\r\n${common}Connection: close\r\n`, body: '', length: 0, closes: true }
  return { kind: 'OPTIONS', method: 'OPTIONS', url, host: HOST, head: `OPTIONS ${url} HTTP/1.1\r\n${common}`, body: '', length: 0, closes: false }
}

// ---- hostile requests -----------------------------------------------------------------------------------------

type Hostile = (id: string, s: string, rand: () => number) => string
const hex = (n: number): string => n.toString(16)

/** Each a known attack or a known parser disagreement; `s` is a whole request to smuggle where one fits. */
const HOSTILE: Record<string, Hostile> = {
  'Connection: content-length': (id, s) => `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nConnection: content-length\r\nContent-Length: ${s.length}\r\n\r\n${s}`,
  'Connection: keep-alive, Content-Length': (id, s) => `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nContent-Length: ${s.length}\r\nConnection: keep-alive, Content-Length\r\n\r\n${s}`,
  'Connection: transfer-encoding': (id, s) => `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nConnection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n${hex(s.length)}\r\n${s}\r\n0\r\n\r\n`,
  'Connection: host': id => `GET /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nConnection: host\r\n\r\n`,
  'Connection: x-fuzz-id': id => `GET /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nConnection: x-fuzz-id\r\n\r\n`,
  'duplicate Host': id => `GET /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nHost: evil.test\r\nX-Fuzz-Id: ${id}\r\n\r\n`,
  'absolute-form target': id => `GET http://evil.test/echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\n\r\n`,
  'absolute-form POST': (id, s) => `POST http://evil.test/echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nContent-Length: ${s.length}\r\n\r\n${s}`,
  'CL.TE': (id, s) => `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nContent-Length: ${5 + s.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${s}`,
  'TE.CL': (id, s) => `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n${hex(s.length)}\r\n${s}\r\n0\r\n\r\n`,
  'TE obfuscated': (id, s, rand) => {
    const te = ['xchunked', 'chunked, identity', ' chunked', 'chunked\x0b', 'CHUNKED', 'identity', 'gzip', 'chunked\xa0', '\xa0chunked'][Math.floor(rand() * 9)]!
    return `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nTransfer-Encoding: ${te}\r\nContent-Length: ${s.length}\r\n\r\n${s}`
  },
  'Transfer-Encoding with space before colon': (id, s) => `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nTransfer-Encoding : chunked\r\nContent-Length: ${s.length}\r\n\r\n${s}`,
  'two Content-Lengths': (id, s) => `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nContent-Length: 0\r\nContent-Length: ${s.length}\r\n\r\n${s}`,
  'odd Content-Length': (id, s, rand) => {
    const cl = [`+${s.length}`, `0x${hex(s.length)}`, `${s.length} ${s.length}`, `${s.length}, ${s.length}`, '-1', `\xa0${s.length}`, `0${s.length}`][Math.floor(rand() * 7)]!
    return `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nContent-Length: ${cl}\r\n\r\n${s}`
  },
  'obs-fold': (id, s, rand) => rand() < 0.5
    ? `GET /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nX-A: 1\r\n folded\r\n\r\n`
    : `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: ${s.length}\r\n\r\n${s}`,
  'bare LF': id => `GET /echo/${id} HTTP/1.1\nHost: ${HOST}\nX-Fuzz-Id: ${id}\n\n`,
  'bare CR in a value': id => `GET /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nX-A: a\rb\r\n\r\n`,
  'invalid bytes': (id, _s, rand) => {
    const line = ['X-A: a\x00b', 'X-A: a\x7fb', `Host: \xa0${HOST}`, `Host: ${HOST}\xa0`, 'Bad Name: 1', 'X-A\x00: 1', 'X-\xe9: 1', `Host: ${HOST}\x0b`][Math.floor(rand() * 8)]!
    return `GET /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\n${line}\r\n\r\n`
  },
  'odd request line': (id, _s, rand) => {
    const line = [`GET /echo/${id} HTTP/1.1 junk`, `GET  /echo/${id} HTTP/1.1`, `get /echo/${id} HTTP/1.1`, `GET /echo/${id}\x7f HTTP/1.1`,
      `GET /echo/${id} HTTP/1.2`, `GET /echo/${id} HTTP/2.0`, `G\x00ET /echo/${id} HTTP/1.1`, `GET echo/${id} HTTP/1.1`, `GET * HTTP/1.1`][Math.floor(rand() * 9)]!
    return `${line}\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\n\r\n`
  },
  'huge header': id => `GET /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`,
  'bad chunks': (id, s, rand) => {
    const body = [`zz\r\n${s}\r\n0\r\n\r\n`, `${hex(s.length)} \r\n${s}\r\n0\r\n\r\n`, `${hex(s.length)};a\nb\r\n${s}\r\n0\r\n\r\n`,
      `${hex(s.length)}\r\n${s}0\r\n\r\n`, `ffffffffffffffffff\r\n${s}\r\n0\r\n\r\n`, `${hex(s.length)}\n${s}\n0\n\n`][Math.floor(rand() * 6)]!
    return `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`
  },
  upgrade: id => `GET /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
  'Expect: 100-continue': (id, s) => `POST /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nExpect: 100-continue\r\nContent-Length: ${s.length}\r\n\r\n${s}`,
  CONNECT: id => `CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\nX-Fuzz-Id: ${id}\r\n\r\n`,
  'spoofed Ferry headers': id => `GET /echo/${id} HTTP/1.1\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\nX-Ferry-App-Root: /etc\r\nX-Forwarded-Host: evil.test\r\n\r\n`,
  'HTTP/1.0 with a body and no length': (id, s) => `POST /echo/${id} HTTP/1.0\r\nHost: ${HOST}\r\nX-Fuzz-Id: ${id}\r\n\r\n${s}`
}
const HOSTILE_KINDS = Object.keys(HOSTILE)

/**
 * What must hold of a hostile request the app did answer (Ferry may refuse these instead): Connection never removes
 * framing or Host (RFC 9110 §7.6.1 lists only connection options; issue 13), so the app reads the body the client
 * framed, under the Host the client sent.
 */
const IF_ANSWERED: Record<string, { what: string, holds: (e: Echo, seq: number) => boolean }> = {
  'Connection: content-length': { what: 'the app did not read the body the client framed', holds: (e, seq) => e.length === smuggled(seq).length },
  'Connection: keep-alive, Content-Length': { what: 'the app did not read the body the client framed', holds: (e, seq) => e.length === smuggled(seq).length },
  'Connection: transfer-encoding': { what: 'the app did not read the body the client framed', holds: (e, seq) => e.length === smuggled(seq).length },
  'Connection: host': { what: 'the app did not see the Host the client sent', holds: e => e.host === HOST }
}
const INSERTS = [' ', '\t', '\xa0', '\x7f', '\x80', '\xff', '\r', '\n', '\0', ':', ',', ';', '"', '\x0b', '\x0c', '0', '9']

/** A well-formed request with its head changed a little: a byte put in, a line repeated or recased, a CR dropped. */
function mutated (shape: Shape, rand: () => number): string {
  const lines = shape.head.slice(0, -2).split('\r\n')
  const li = Math.floor(rand() * lines.length)
  const line = lines[li]!
  const kind = rand()
  if (kind < 0.5) {
    const at = Math.floor(rand() * (line.length + 1))
    lines[li] = line.slice(0, at) + INSERTS[Math.floor(rand() * INSERTS.length)]! + line.slice(at)
  } else if (kind < 0.65) lines.splice(li + 1, 0, line)
  else if (kind < 0.75) lines[li] = rand() < 0.5 ? line.toUpperCase() : line.toLowerCase()
  else if (kind < 0.85) lines[li] = line.replace(':', rand() < 0.5 ? ' :' : ':\xa0')
  else return lines.join('\r\n').replace('\r\n', '\n') + '\r\n\r\n' + shape.body
  return lines.join('\r\n') + '\r\n\r\n' + shape.body
}

// ---- one client connection ------------------------------------------------------------------------------------

/** A raw keep-alive client that reads the responses in order with node's own parser. */
class Client {
  readonly socket: Socket
  readonly sent: Sent[] = []
  readonly answers: Answer[] = []
  closed = false
  parseError: string | undefined
  #wake: (() => void) | undefined
  #status = 0
  #headers: string[] = []

  constructor (port: number) {
    this.socket = connect(port, '127.0.0.1')
    this.socket.on('error', () => {})
    const p: NodeParser = new HTTPParser()
    p.initialize(HTTPParser.RESPONSE, {}, 0, 0)
    p[HTTPParser.kOnHeaders] = (h: string[]) => { this.#headers = this.#headers.concat(h) }
    p[HTTPParser.kOnHeadersComplete] = (_a: number, _b: number, headers: string[] | undefined, _m: unknown, _u: unknown, status: number): number => {
      this.#headers = headers ?? this.#headers
      this.#status = status
      if (status >= 100 && status < 200) return 1 // an interim answer: the real one follows
      return this.sent[this.answers.length]?.head === true ? 1 : 0
    }
    p[HTTPParser.kOnBody] = () => {}
    p[HTTPParser.kOnMessageComplete] = () => {
      const headers = this.#headers
      this.#headers = []
      if (this.#status < 200) return
      let echo: Echo | undefined
      for (let i = 0; i < headers.length; i += 2) {
        if (headers[i]!.toLowerCase() === 'x-echo') echo = JSON.parse(Buffer.from(headers[i + 1]!, 'base64').toString()) as Echo
      }
      this.answers.push({ status: this.#status, echo })
    }
    this.socket.on('data', (d: Buffer) => {
      if (this.parseError !== undefined) return
      const r = p.execute(d)
      if (r instanceof Error) { this.parseError = parseErrorCode(r); this.socket.destroy() }
      this.#wake?.()
    })
    this.socket.once('close', () => {
      if (this.parseError === undefined) p.finish()
      p.close()
      this.closed = true
      this.#wake?.()
    })
  }

  async ready (): Promise<void> { await once(this.socket, 'connect') }

  /** Writes the requests in one to three pieces (pipelined, the pieces cut anywhere), a turn of the event loop apart. */
  async send (requests: Sent[], rand: () => number): Promise<void> {
    this.sent.push(...requests)
    const bytes = Buffer.from(requests.map(r => r.wire).join(''), 'latin1')
    const cuts = [0, ...[rand(), rand()].filter(() => rand() < 0.4).map(x => Math.floor(x * bytes.length)).sort((a, b) => a - b), bytes.length]
    for (let i = 1; i < cuts.length; i++) {
      if (this.closed) return
      this.socket.write(bytes.subarray(cuts[i - 1], cuts[i]))
      await new Promise(resolve => setImmediate(resolve))
    }
  }

  /** Resolves when `done` holds or the connection closed; false when `ms` passed first. */
  async until (done: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms
    while (!done() && !this.closed) {
      const left = deadline - Date.now()
      if (left <= 0) return false
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, Math.min(left, 500))
        this.#wake = () => { clearTimeout(timer); resolve() }
      })
      this.#wake = undefined
    }
    return true
  }
}

// ---- the run --------------------------------------------------------------------------------------------------

interface Findings {
  sent: number
  hostile: number
  /** What went wrong, by kind of fault (named after its cause where one is known), each with its examples. */
  faults: Map<string, string[]>
  /** For the log: what each kind of hostile request got. */
  byHostileKind: Map<string, Map<string, number>>
}

const describe = (s: Sent | undefined): string => s === undefined ? '(unknown)' : `#${s.seq} ${s.kind} ${JSON.stringify(s.wire.length > 160 ? s.wire.slice(0, 160) + '…' : s.wire)}`

test('fuzz: hostile clients among well-formed ones; no restart, no cross-talk, nothing left in flight', { timeout: 180_000 }, async t => {
  const registry = tmpDir(t)
  const f = await startFerry(t, fixtureApp('fuzz-echo'), ['--max-pool-size', '2', '--min-instances', '2'], { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const call = adminClient(t, instanceDirIn(registry))
  const port = Number(new URL(f.url).port)
  const bySeq = new Map<number, Sent>()
  /** For each request pipelined with a hostile one, that one's kind. */
  const hostileBehind = new Map<number, string>()
  const findings: Findings = { sent: 0, hostile: 0, faults: new Map(), byHostileKind: new Map() }
  const fault = (kind: string, example: string): void => {
    const list = findings.faults.get(kind) ?? []
    findings.faults.set(kind, list)
    list.push(example)
  }
  const open = new Set<Client>()
  t.after(() => { for (const c of open) c.socket.destroy() })

  /** The request an id names (a sent request, or the one a hostile request smuggled in its body), and its kind. */
  const origin = (id: string): { kind: string, what: string } | undefined => {
    const m = /^([fs])(\d{5})x$/.exec(id)
    const s = m === null ? undefined : bySeq.get(Number(m[2]))
    if (m === null || s === undefined) return undefined
    return m[1] === 's'
      ? { kind: `the request smuggled in a '${s.kind}' request`, what: `the request smuggled in ${describe(s)}` }
      : { kind: `a '${s.kind}' request`, what: describe(s) }
  }

  /**
   * A well-formed request must get its own answer. On a connection that a hostile request then follows, it may get
   * none (a server may close after a request it refuses, RFC 9112 §9.6), but never another request's answer.
   */
  const check = (c: Client, batch: Sent[], offset: number): void => {
    const hostile = batch.find(s => !s.expect)
    const behind = hostile === undefined ? '' : ` (a '${hostile.kind}' request followed on its connection)`
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i]!
      const a = c.answers[offset + i]
      if (!s.expect) {
        const tally = findings.byHostileKind.get(s.kind) ?? new Map<string, number>()
        findings.byHostileKind.set(s.kind, tally)
        const outcome = a === undefined ? 'no answer' : String(a.status)
        tally.set(outcome, (tally.get(outcome) ?? 0) + 1)
      }
      const got = a?.echo?.id
      const from = got === undefined || got === s.id ? undefined : origin(got)
      if (from !== undefined) {
        fault(`cross-talk: ${s.expect ? 'a well-formed' : `a '${s.kind}'`} request got the answer for ${from.kind}`, `${describe(s)} got the answer for ${from.what}`)
      } else if (!s.expect) {
        const rule = IF_ANSWERED[s.kind]
        if (a?.echo?.id === s.id && rule !== undefined && !rule.holds(a.echo, s.seq)) fault(`a '${s.kind}' request reached the app changed: ${rule.what}`, `${describe(s)}: the app saw ${JSON.stringify(a.echo)}`)
      } else if (a === undefined) {
        if (hostile === undefined || !c.closed) fault('a well-formed request was never answered', `${describe(s)}${c.parseError !== undefined ? ` (unparsable answers: ${c.parseError})` : ''}`)
      } else if (a.echo === undefined) {
        fault(hostile === undefined ? `a well-formed request got ${a.status}` : `a well-formed request got the ${a.status} meant for a malformed request pipelined behind it`, `${describe(s)} got ${a.status}${behind}`)
      } else if (a.status !== 200 || JSON.stringify(a.echo) !== JSON.stringify(s.expect)) {
        fault('the app saw a well-formed request differently', `${describe(s)}: ${a.status} ${JSON.stringify(a.echo)}`)
      }
    }
    for (let i = offset + batch.length; i < c.answers.length; i++) {
      // A mutated request can be read with another body length than it meant: the bytes left over are then read as
      // another request and refused like any garbage. Only an app's answer out of place is cross-talk.
      if (hostile !== undefined && c.answers[i]!.echo === undefined && c.answers[i]!.status >= 400) continue
      const got = c.answers[i]!.echo?.id
      const from = got === undefined ? undefined : origin(got)
      fault(`cross-talk: an answer no request on its connection asked for${behind}`, from !== undefined ? `the answer for ${from.what}` : `a ${c.answers[i]!.status}`)
    }
    if (c.parseError !== undefined && hostile === undefined) fault('unparsable answers to well-formed requests', `${c.parseError} after ${batch.map(describe).join(', ')}`)
  }

  const runClient = async (index: number): Promise<void> => {
    const rand = prng(SEED * 100 + index)
    // Numbered per client, so that every run sends the same requests under the same ids, however they interleave.
    let nextSeq = index * 10_000 + 1
    let c: Client | undefined
    for (let b = 0; b < BATCHES_PER_CLIENT; b++) {
      if (c === undefined || c.closed) {
        c = new Client(port)
        open.add(c)
        await c.ready()
      }
      // One to three well-formed requests, pipelined; sometimes a hostile one behind them.
      const batch: Sent[] = []
      const hostile = rand() < 0.4
      const count = (hostile ? 0 : 1) + Math.floor(rand() * 3)
      for (let k = 0; k < count; k++) {
        const seq = nextSeq++
        const shape = wellFormed(seq, rand, k === count - 1 && !hostile)
        const expect: Echo = { id: idOf(seq), method: shape.method, url: shape.url, host: shape.host, length: shape.length }
        batch.push({ id: idOf(seq), seq, kind: shape.kind, wire: shape.head + '\r\n' + shape.body, expect, head: shape.method === 'HEAD', closes: shape.closes })
      }
      if (hostile) {
        const seq = nextSeq++
        let kind: string
        let wire: string
        if (rand() < 0.5) {
          kind = HOSTILE_KINDS[Math.floor(rand() * HOSTILE_KINDS.length)]!
          wire = HOSTILE[kind]!(idOf(seq), smuggled(seq), rand)
        } else {
          const shape = wellFormed(seq, rand, false)
          kind = `mutated ${shape.kind}`
          wire = mutated(shape, rand)
        }
        batch.push({ id: idOf(seq), seq, kind, wire, head: wire.startsWith('HEAD'), closes: true })
        findings.hostile++
      }
      for (const s of batch) bySeq.set(s.seq, s)
      const last = batch[batch.length - 1]!
      if (!last.expect) for (const s of batch) hostileBehind.set(s.seq, last.kind)
      findings.sent += batch.length
      const offset = c.answers.length
      await c.send(batch, rand)
      const wellFormedCount = batch.filter(s => s.expect).length
      const client = c
      await client.until(() => client.answers.length >= offset + wellFormedCount, ANSWER_WAIT_MS)
      // A hostile request may be answered, refused, or leave the connection waiting for more: it gets a short grace.
      if (hostile) await client.until(() => client.answers.length >= offset + batch.length, HOSTILE_GRACE_MS)
      check(client, batch, offset)
      // After a hostile request or a close, the connection's state is the attacker's: the next batch starts afresh.
      if (hostile || batch.some(s => s.closes)) {
        client.socket.destroy()
        open.delete(client)
        c = undefined
      }
    }
    if (c !== undefined) { c.socket.destroy(); open.delete(c) }
  }

  const started = Date.now()
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => runClient(i)))
  t.diagnostic(`${findings.sent} requests (${findings.hostile} hostile) in ${Date.now() - started} ms`)
  for (const [kind, tally] of [...findings.byHostileKind].sort((x, y) => x[0].localeCompare(y[0]))) t.diagnostic(`${kind}: ${[...tally].map(([o, n]) => `${o} ×${n}`).join(', ')}`)

  // Every client has gone: nothing may remain in flight (the core must notice each departure).
  type ServerJson = { thread1: { pid: number, active_request_count: number } }
  type Listed = { method: string, path: string, state: string }
  let server: ServerJson
  let requests: Listed[]
  const deadline = Date.now() + 10_000
  for (;;) {
    server = JSON.parse((await call('/server.json')).body) as ServerJson
    requests = (JSON.parse((await call('/requests.json')).body) as { requests: Listed[] }).requests
    if ((server.thread1.active_request_count === 0 && requests.length === 0) || Date.now() > deadline) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }

  // Everything that went wrong, in one message: a run shows every kind of fault it found, not only the first.
  const problems: string[] = []
  if (server.thread1.pid !== f.corePid || !isAlive(f.corePid) || /Ferry core \(pid \d+\) crashed/.test(f.output())) {
    problems.push(`the core restarted (pid ${f.corePid} at start, ${server.thread1.pid} now)`)
  }
  for (const [kind, list] of [...findings.faults].sort((x, y) => y[1].length - x[1].length)) {
    problems.push(`${kind}: ${list.length}, e.g.\n    ${list.slice(0, 2).join('\n    ')}`)
  }
  if (server.thread1.active_request_count !== 0 || requests.length > 0) {
    // Each left over by what it was, its state, and the hostile request pipelined with it, if any.
    const kinds = new Map<string, number>()
    for (const r of requests) {
      const m = /\/echo\/([fs])(\d{5})x/.exec(r.path)
      const seq = Number(m?.[2] ?? -1)
      const s = bySeq.get(seq)
      const what = s === undefined ? `${r.method} ${r.path.slice(0, 40)}` : m?.[1] === 's' ? `the request smuggled in a '${s.kind}' request` : s.kind
      const kind = `${what} (${r.state})${hostileBehind.has(seq) ? ` with a '${hostileBehind.get(seq)!}' request behind it` : ''}`
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
    }
    problems.push(`in flight 10 s after every client left: ${server.thread1.active_request_count}; /requests.json lists ${requests.length}:\n    ` +
      [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} × ${k}`).join('\n    '))
  }
  assert.equal(problems.length, 0, problems.join('\n  '))
  assert.ok(findings.sent >= 3000 && findings.hostile >= 500, `${findings.sent} requests, ${findings.hostile} hostile`)
})
