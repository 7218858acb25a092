// `ferry status --show=requests` (/requests.json): the shape of `passenger-status --show=requests`, i.e. one block
// per controller thread (Ferry's core has one event loop: `threads: 1`, `thread1`) holding the server's counters
// and `active_clients`, keyed by client name (`1-<connection number>`), each with its `current_request`. Fields
// carry Passenger's names, units and vocabulary (times as {local, relative, relative_timestamp, timestamp} in
// seconds, states such as WAITING_FOR_APP_OUTPUT); Ferry's own fields are added under names Passenger does not
// use (`ferry_state`, `age_ms`, `bytes_in`…), and Ferry's flat `requests` list stays beside the threads for the
// scripts written against it. Passenger lists idle keep-alive connections among its active clients too; Ferry lists
// the connections that have a request in flight (active_client_count still counts every open connection).
// Fields of Passenger's event-loop internals (refcounts, libev watcher states, free lists, mbuf pools) have no Ferry
// meaning and are not invented; neither are counts Ferry does not keep (requests per connection, body bytes read).
// Pure: data in, object out.
import type { RequestSnapshot } from '../../server/inflight.js'
import type { PoolSnapshot } from '../../pool/snapshot.js'
import { formatSince } from './duration.js'

export interface RequestsViewInput {
  /** The server's counters: the thread block of /server.json. */
  readonly server: Readonly<Record<string, unknown>>
  readonly requests: readonly RequestSnapshot[]
  /** Finds each request's process, for its gupid. */
  readonly pool: PoolSnapshot
  /** ms since the epoch. */
  readonly now: number
}

export interface PassengerTime {
  /** ctime(3) in local time, e.g. "Mon Nov 30 11:19:01 2026". */
  readonly local: string
  readonly relative: string
  /** Seconds from now (negative: in the past). */
  readonly relative_timestamp: number
  /** Seconds since the epoch. */
  readonly timestamp: number
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad2 = (n: number): string => String(n).padStart(2, '0')

/** ctime(3)'s layout, which Passenger's `local` fields use: `Mon Nov 30 11:19:01 2026` (day padded with a space). */
export function ctime (d: Date): string {
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${d.getFullYear()}`
}

function passengerTime (at: number, now: number): PassengerTime {
  return { local: ctime(new Date(at)), relative: `${formatSince(at, now)} ago`, relative_timestamp: (at - now) / 1000, timestamp: at / 1000 }
}

/** Passenger's human-readable byte counts: `0 bytes`, `8.0 KB`, `1.5 MB`. */
export function humanBytes (n: number): string {
  if (n < 1024) return `${n} bytes`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

/** Passenger's request states for Ferry's: waiting for a process, in the app (body still going to it), answered. */
function passengerState (r: RequestSnapshot): string {
  if (r.state === 'queued') return 'CHECKING_OUT_SESSION'
  return r.receiving_body && !r.response_begun ? 'FORWARDING_BODY_TO_APP' : 'WAITING_FOR_APP_OUTPUT'
}

function currentRequest (r: RequestSnapshot, gupids: ReadonlyMap<number, string>, now: number): Record<string, unknown> {
  const [major, minor] = r.http_version.split('.').map(Number)
  return {
    host: r.host,
    method: r.method,
    path: r.path,
    http_major: major ?? 1,
    http_minor: minor ?? 1,
    http_state: r.receiving_body ? 'PARSING_BODY' : 'COMPLETE',
    request_body_type: r.body_type,
    ...(r.body_type === 'CONTENT_LENGTH' ? { content_length: r.content_length } : {}),
    request_body_fully_read: !r.receiving_body,
    response_begun: r.response_begun,
    last_data_receive_time: passengerTime(r.last_received_at, now),
    session: r.pid === null ? null : { pid: r.pid, gupid: gupids.get(r.pid) ?? null },
    session_checkout_try: r.retries + 1,
    started_at: passengerTime(r.started_at, now),
    state: passengerState(r),
    sticky_session: r.sticky,
    want_keep_alive: r.keep_alive,
    // Ferry's additions.
    id: r.id,
    app: r.app,
    client_address: r.client_address,
    ferry_state: r.state,
    age_ms: r.age_ms,
    bytes_in: r.bytes_in,
    bytes_out: r.bytes_out
  }
}

export function renderRequestsJson (input: RequestsViewInput): Record<string, unknown> {
  const gupids = new Map<number, string>()
  for (const g of input.pool.groups) for (const p of g.processes) gupids.set(p.pid, p.gupid)
  const clients: Record<string, unknown> = {}
  for (const r of input.requests) {
    // A connection has one request in flight at a time (pipelined ones are served in turn); unknown ones by request id.
    const name = r.connection_number === null ? `1-${r.id}` : `1-${r.connection_number}`
    clients[name] = {
      connected_at: r.connected_at === null ? null : passengerTime(r.connected_at, input.now),
      connection_state: 'ACTIVE',
      current_request: currentRequest(r, gupids, input.now),
      lingering_request_count: 0,
      name,
      number: r.connection_number,
      // Ferry holds what a slow client has not taken in memory (never in a file): Passenger's IN_MEMORY_MODE.
      output_channel_state: { bytes_buffered: { bytes: r.buffered_bytes, human_readable: humanBytes(r.buffered_bytes) }, mode: 'IN_MEMORY_MODE' }
    }
  }
  return {
    threads: 1,
    thread1: {
      ...input.server,
      active_clients: clients,
      disconnected_client_count: 0,
      disconnected_clients: {}
    },
    requests: input.requests,
    // Ferry's addition: processes of --bypass apps accept their clients themselves, so their requests are not in
    // the lists above; what they report (in flight, processed, bytes) is listed per process instead.
    bypassed_processes: bypassedProcesses(input.pool, input.now)
  }
}

function bypassedProcesses (pool: PoolSnapshot, now: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  for (const g of pool.groups) {
    for (const p of g.processes) {
      if (p.accepts_clients !== true) continue
      out.push({
        app: g.app_root,
        pid: p.pid,
        gupid: p.gupid,
        active_request_count: p.sessions,
        processed: p.processed,
        bytes_in: p.bytes_in ?? 0,
        bytes_out: p.bytes_out ?? 0,
        last_used: passengerTime(p.last_used, now)
      })
    }
  }
  return out
}
