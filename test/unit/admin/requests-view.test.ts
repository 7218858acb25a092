// The requests view against passenger-status --show=requests captured from Passenger 6.0.17 with two requests in
// flight (test/fixtures/golden/passenger-reference-requests-active.json; /tmp paths renamed): same nesting, same
// field names and kinds of value, Ferry's additions beside them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../helpers/tmp.js'
import { ctime, humanBytes, renderRequestsJson } from '../../../src/core/admin/views/requests-json.js'
import type { RequestSnapshot } from '../../../src/core/server/inflight.js'
import type { PoolSnapshot } from '../../../src/core/pool/snapshot.js'

const NOW = Date.UTC(2026, 10, 30, 11, 19, 5)

/** The reference: passenger-status prints a 4-line header before the JSON. */
function reference (name: string): Record<string, unknown> {
  const text = readFileSync(join(repoRoot, 'test', 'fixtures', 'golden', name), 'utf8')
  return JSON.parse(text.slice(text.indexOf('{'))) as Record<string, unknown>
}

const request = (over: Partial<RequestSnapshot>): RequestSnapshot => ({
  id: 'r7', method: 'GET', host: '127.0.0.1:3000', path: '/slow?x=1', client_address: '127.0.0.1', app: '/srv/apps/hello', pid: 3306,
  state: 'in app', age_ms: 3400, bytes_in: 80, bytes_out: 0, connection_number: 2, connected_at: NOW - 3500, started_at: NOW - 3400,
  http_version: '1.1', body_type: 'NO_BODY', content_length: null, receiving_body: false, response_begun: false, buffered_bytes: 0,
  sticky: false, keep_alive: true, retries: 0, last_received_at: NOW - 3400, ...over
})

const POOL = {
  taken_at: NOW,
  max_pool_size: 6,
  process_count: 1,
  group_count: 1,
  groups: [{ name: '/srv/apps/hello', processes: [{ pid: 3306, gupid: '1c8c186-lZxmNR6JvW' }] }]
} as unknown as PoolSnapshot

const SERVER = { pid: 1251, server_state: 'ACTIVE', active_client_count: 2, peak_active_client_count: 2, total_clients_accepted: 3, total_requests_begun: 3 }

function render (): Record<string, any> {
  return renderRequestsJson({
    server: SERVER,
    requests: [
      request({}),
      request({ id: 'r8', method: 'POST', path: '/slow/post', connection_number: 3, state: 'queued', pid: null, body_type: 'CONTENT_LENGTH', content_length: 3 })
    ],
    pool: POOL,
    now: NOW
  }) as Record<string, any>
}

type Shape = string | { [key: string]: Shape }

/** Field names and kinds of value, nested; `null` values take the kind of the reference's value at the same place. */
function shape (v: unknown): Shape {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, shape(x)]))
  return typeof v
}

/** Ours has every field of the reference's (but `skip`), with the same kind of value; returns what it lacks. */
function missingFields (ours: Shape, ref: Shape, skip: ReadonlySet<string>, path = ''): string[] {
  if (typeof ref === 'string' || typeof ours === 'string') {
    if (ref === 'null' || ours === 'null') return []
    return ref === ours || (typeof ref === 'object' && typeof ours === 'object') ? [] : [`${path}: ${JSON.stringify(ours)} is not a ${JSON.stringify(ref)}`]
  }
  const out: string[] = []
  for (const [k, r] of Object.entries(ref)) {
    const p = path === '' ? k : `${path}.${k}`
    if (skip.has(k)) continue
    if (!(k in ours)) out.push(`${p}: missing`)
    else out.push(...missingFields(ours[k]!, r, skip, p))
  }
  return out
}

// Passenger's event-loop internals and counts Ferry does not keep; the view's header comment says why.
const INTERNALS = new Set(['refcount', 'requests_begun', 'app_response_http_state', 'app_sink_state', 'app_source_state', 'flags',
  'last_data_send_time', 'request_body_already_read', 'free_client_count', 'free_request_count', 'mbuf_pool', 'total_bytes_consumed',
  'client_accept_speed', 'request_begin_speed', 'turbocaching', 'callback_in_progress', 'nbuffers', 'reader_state'])

test('requests view: Passenger\'s nesting (threads → thread1 → active_clients → current_request) and field kinds', () => {
  const ref = reference('passenger-reference-requests-active.json') as Record<string, any>
  const ours = render()
  assert.equal(ours.threads, 1)
  // The reference's thread 1 serves a POST with a body, its thread 2 a GET; ours: a GET (1-2) and a POST (1-3).
  const refPost = Object.values(ref.thread1.active_clients)[0]
  const refGet = Object.values(ref.thread2.active_clients)[0]
  const ourClients = ours.thread1.active_clients as Record<string, unknown>
  assert.deepEqual(Object.keys(ourClients), ['1-2', '1-3'], 'named <thread>-<connection number>, as Passenger names clients')
  assert.deepEqual(missingFields(shape(ourClients['1-2']), shape(refGet), INTERNALS), [])
  assert.deepEqual(missingFields(shape(ourClients['1-3']), shape(refPost), INTERNALS), [])
  // The thread block: the reference's server fields (Ferry's server counters come from /server.json).
  const refThread = { ...ref.thread1, active_clients: {} }
  assert.deepEqual(missingFields(shape({ ...ours.thread1, ...SERVER, active_clients: {} }), shape(refThread), INTERNALS), [])
  // The checker can fail.
  assert.notDeepEqual(missingFields(shape({ name: '1-2' }), shape(refGet), INTERNALS), [])
})

test('requests view: values in Passenger\'s vocabulary, Ferry\'s additions beside them', () => {
  const c = render().thread1.active_clients
  const inApp = c['1-2'].current_request
  const queued = c['1-3'].current_request
  assert.equal(c['1-2'].number, 2)
  assert.equal(c['1-2'].connection_state, 'ACTIVE')
  assert.deepEqual(c['1-2'].connected_at, { local: ctime(new Date(NOW - 3500)), relative: '3s ago', relative_timestamp: -3.5, timestamp: (NOW - 3500) / 1000 })
  assert.match(c['1-2'].connected_at.local, /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/, 'ctime(3), like the reference\'s "Mon Nov 30 11:19:01 2026"')
  assert.equal(inApp.state, 'WAITING_FOR_APP_OUTPUT')
  assert.deepEqual(inApp.session, { pid: 3306, gupid: '1c8c186-lZxmNR6JvW' })
  assert.equal(inApp.request_body_type, 'NO_BODY')
  assert.equal(inApp.http_state, 'COMPLETE')
  assert.equal('content_length' in inApp, false, 'as Passenger: only for a body with a length')
  assert.equal(queued.state, 'CHECKING_OUT_SESSION')
  assert.equal(queued.session, null)
  assert.equal(queued.content_length, 3)
  assert.equal(queued.ferry_state, 'queued')
  assert.equal(inApp.age_ms, 3400)
  assert.equal(render().requests.length, 2, 'Ferry\'s flat list stays for the scripts written against it')
  assert.equal(humanBytes(0), '0 bytes')
  assert.equal(humanBytes(8192), '8.0 KB')
})

test('requests view with nothing in flight: empty active_clients, as the reference requests.json', () => {
  const ref = reference('passenger-reference-requests.json') as Record<string, any>
  const ours = renderRequestsJson({ server: SERVER, requests: [], pool: POOL, now: NOW }) as Record<string, any>
  assert.deepEqual(ours.thread1.active_clients, ref.thread1.active_clients)
  assert.deepEqual(ours.thread1.disconnected_clients, ref.thread1.disconnected_clients)
  assert.equal(typeof ours.threads, typeof ref.threads)
})
