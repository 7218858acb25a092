// Attacks on the turbocache from outside: real Ferry, real app (fixtures/apps/cache-attack, whose responses take
// their headers from the query and whose body shows a fresh serial and what the app saw of one request header).
// Each test is an attempt to make the cache give one client an answer made for another request than its own.
import { test, type TestContext } from 'node:test'
import { connect } from 'node:net'
import { cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startCore, type InProcessCore } from '../../helpers/core.js'
import { rawExchange } from '../../helpers/http.js'
import { adminClient, instanceDirIn } from '../../helpers/instance.js'

const serial = (body: string): number => Number(/serial=(\d+)/.exec(body)?.[1] ?? NaN)
const echo = (body: string): string => /echo=(.*)$/m.exec(body)?.[1] ?? ''

type Lab = InProcessCore & { cacheStats: () => Promise<Record<string, number | undefined>>, admin: ReturnType<typeof adminClient> }

async function attackLab (t: TestContext, args: string[] = []): Promise<Lab> {
  const registry = tmpDir(t)
  const f = await startCore(t, fixtureApp('cache-attack'), args, { FERRY_INSTANCE_REGISTRY_DIR: registry })
  const admin = adminClient(t, instanceDirIn(registry))
  const cacheStats = async (): Promise<Record<string, number | undefined>> =>
    (JSON.parse((await admin('/server.json')).body) as { thread1: { turbocaching: Record<string, number> } }).thread1.turbocaching
  return Object.assign(f, { cacheStats, admin })
}

/** A path whose response carries these headers and echoes request header `echoed`. */
function path (name: string, headers: readonly string[], echoed = ''): string {
  const q = new URLSearchParams(headers.map((h): [string, string] => ['h', h]))
  if (echoed !== '') q.set('echo', echoed)
  return `/${name}?${q.toString()}`
}

/** One raw request (a GET with these extra header lines) on its own connection; the body of the answer. */
async function rawGet (f: InProcessCore, target: string, lines: readonly string[]): Promise<string> {
  const out = await rawExchange(f.url, `GET ${target} HTTP/1.1\r\nHost: lab\r\n${lines.map(l => `${l}\r\n`).join('')}Connection: close\r\n\r\n`)
  return out.slice(out.indexOf('\r\n\r\n') + 4)
}

/** A raw GET from another loopback address than 127.0.0.1 (another client, as the app is told in X-Forwarded-For). */
async function rawGetFrom (f: InProcessCore, localAddress: string, target: string): Promise<string> {
  const { port } = new URL(f.url)
  return await new Promise((resolve, reject) => {
    const s = connect({ port: Number(port), host: '127.0.0.1', localAddress })
    let out = ''
    s.setEncoding('latin1')
    s.on('data', d => { out += String(d) })
    s.on('error', reject)
    s.on('close', () => resolve(out.slice(out.indexOf('\r\n\r\n') + 4)))
    s.write(`GET ${target} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n`)
  })
}

// One Ferry for the attacks that need no options of their own (each uses its own paths), to keep the suite short.
test('attacks on one Ferry\'s cache', async t => {
  const f = await attackLab(t)

  await t.test('a write sent in absolute form naming another host drops the entry of the Host it was sent with too', async () => {
    const p = path('abs-write', ['Cache-Control: max-age=60'])
    const first = serial(await rawGet(f, p, []))
    assert.equal(serial(await rawGet(f, p, [])), first, 'stored')
    const posted = await rawExchange(f.url, `POST http://other.example${p} HTTP/1.1\r\nHost: lab\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
    assert.match(posted, /^HTTP\/1\.1 2/)
    assert.notEqual(serial(await rawGet(f, p, [])), first, 'an app that serves one site changed it, whatever host it was told')
  })

  await t.test('a Vary-named header the client lists in Connection (so the app never sees it) does not pick the variant', async () => {
    const p = path('lang', ['Cache-Control: max-age=60', 'Vary: Accept-Language'], 'Accept-Language')
    // The attacker's German request reaches the app without its Accept-Language: the app answers its default.
    const poisoned = await rawGet(f, p, ['Accept-Language: de', 'Connection: Accept-Language'])
    assert.equal(echo(poisoned), '-')
    const victim = await rawGet(f, p, ['Accept-Language: de'])
    assert.equal(echo(victim), 'de', 'a German visitor gets the answer made for a request without Accept-Language')
  })

  await t.test('a request that waited on another\'s miss gets a variant by the headers the app would see, not those it sent', async () => {
    const p = `${path('collapsed-lang', ['Cache-Control: max-age=60', 'Vary: Accept-Language'], 'Accept-Language')}&delay=400`
    const leader = rawGet(f, p, ['Accept-Language: de'])
    await new Promise(resolve => setTimeout(resolve, 100))
    const follower = await rawGet(f, p, ['Accept-Language: de', 'Connection: Accept-Language'])
    assert.equal(echo(await leader), 'de')
    assert.equal(echo(follower), '-', 'the app never sees a Connection-listed Accept-Language: the German variant is not this request\'s')
  })

  await t.test('a Vary-named header sent twice picks the variant by every line, as the app reads them all', async () => {
    const p = path('ua', ['Cache-Control: max-age=60', 'Vary: User-Agent'], 'User-Agent')
    // node keeps only the first User-Agent; a CGI-style app (WSGI, Rack) gets both lines joined.
    const poisoned = await rawGet(f, p, ['User-Agent: Victim/1.0', 'User-Agent: <script>alert(1)</script>'])
    assert.match(echo(poisoned), /script/)
    const victim = await rawGet(f, p, ['User-Agent: Victim/1.0'])
    assert.equal(echo(victim), 'Victim/1.0', 'the victim gets the answer made for the attacker\'s two lines')
    // Two identical requests still share the entry.
    assert.equal(serial(await rawGet(f, p, ['User-Agent: Victim/1.0'])), serial(victim))
  })

  await t.test('a targeted field too malformed to use still forbids what it says (private, no-store): no fallback to sharing', async () => {
    // A trailing comma, or an upper-case key, is not a Structured Fields Dictionary: RFC 9213 says ignore the field,
    // and the browser-facing Cache-Control alone would make Alice's page everybody's.
    for (const targeted of ['Ferry-Cache-Control: private,', 'CDN-Cache-Control: Private', 'CDN-Cache-Control: no-store, max-age=1.5.']) {
      const p = path('me', ['Cache-Control: public, max-age=60', targeted], 'Cookie')
      assert.equal(echo(await rawGet(f, p, ['Cookie: user=alice'])), 'user=alice')
      assert.equal(echo(await rawGet(f, p, [])), '-', `${targeted}: an anonymous visitor gets Alice's page`)
    }
  })

  await t.test('Vary naming a field that is also an Object.prototype member (constructor, __proto__) is served and stored', async () => {
    for (const name of ['Constructor', 'toString', '__proto__']) {
      const p = path(`proto-${name}`, ['Cache-Control: max-age=60', `Vary: ${name}`])
      const first = await rawExchange(f.url, `GET ${p} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n`)
      assert.match(first, /^HTTP\/1\.1 200 /, `Vary: ${name}: ${first.slice(0, 200)}`)
      const again = await rawGet(f, p, [])
      assert.equal(serial(again), serial(first.slice(first.indexOf('\r\n\r\n') + 4)), `Vary: ${name}: stored`)
    }
  })

  await t.test('Vary: X-Forwarded-For (which Ferry sets per client) never lets one client\'s answer reach another', async () => {
    const p = path('geo', ['Cache-Control: max-age=60', 'Vary: X-Forwarded-For'], 'X-Forwarded-For')
    assert.equal(echo(await rawGetFrom(f, '127.0.0.2', p)), '127.0.0.2')
    assert.equal(echo(await rawGetFrom(f, '127.0.0.3', p)), '127.0.0.3', 'a client gets the answer made for another address')
  })

  await t.test('a hit carries none of the fields the proxy drops from a miss (every hop-by-hop one, Ferry\'s own)', async () => {
    const p = path('hop', ['Cache-Control: max-age=60', 'HTTP2-Settings: AAMAAABkAAQAAP__', 'Expect: 100-continue', 'X-Ferry-OOB-Work: true', 'Keep-Alive: timeout=99', 'X-Kept: yes'])
    const send = async (): Promise<string> => await rawExchange(f.url, `GET ${p} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n`)
    const miss = await send()
    const hit = await send()
    assert.match(hit, /\r\nAge: /)
    const names = (r: string): string[] => r.slice(0, r.indexOf('\r\n\r\n')).split('\r\n').slice(1).map(l => l.slice(0, l.indexOf(':')).toLowerCase()).filter(n => !['age', 'content-length', 'transfer-encoding'].includes(n)).sort()
    assert.deepEqual(names(hit), names(miss))
    assert.doesNotMatch(hit, /http2-settings|expect|x-ferry|timeout=99/i)
  })

  await t.test('Expires: Thursday, 01-Jan-70 00:00:00 GMT (the epoch, in RFC 850 form) is already expired, not fresh until 2070', async () => {
    const p = path('epoch', ['Expires: Thursday, 01-Jan-70 00:00:00 GMT'])
    const first = await rawGet(f, p, [])
    assert.notEqual(serial(await rawGet(f, p, [])), serial(first))
  })

  await t.test('Alice\'s answer to her Authorization with max-age=60, must-revalidate (no public) is not shown to anonymous visitors', async () => {
    const p = path('account', ['Cache-Control: max-age=60, must-revalidate'], 'Authorization')
    assert.equal(echo(await rawGet(f, p, ['Authorization: Bearer alice-token'])), 'Bearer alice-token')
    assert.equal(echo(await rawGet(f, p, [])), '-', 'an anonymous visitor gets Alice\'s answer')
  })

  await t.test('a GET with a body (which the app may read: Rails parses form bodies whatever the method) neither fills nor reads the cache', async () => {
    const p = `${path('search', ['Cache-Control: max-age=60'])}&body=1`
    const payload = 'q=<script>alert(1)</script>'
    const poisoned = await rawExchange(f.url, `GET ${p} HTTP/1.1\r\nHost: lab\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n${payload}`)
    assert.match(poisoned, /body=q=<script>/)
    assert.match(await rawGet(f, p, []), /body=-/, 'a visitor gets the answer made for the attacker\'s body')
    // And a stored answer is not given to a GET whose body could change it.
    const plain = await rawGet(f, p, [])
    const withBody = await rawExchange(f.url, `GET ${p} HTTP/1.1\r\nHost: lab\r\nContent-Length: 3\r\nConnection: close\r\n\r\nq=1`)
    assert.notEqual(serial(withBody.slice(withBody.indexOf('\r\n\r\n') + 4)), serial(plain))
  })

  await t.test('a write whose client leaves before the answer ends still invalidates (the change is made by then)', async () => {
    const p = `${path('doc', ['Cache-Control: max-age=60'])}&slow=400`
    const before = serial(await rawGet(f, p, []))
    assert.equal(serial(await rawGet(f, p, [])), before)
    const { port } = new URL(f.url)
    // The client reads the head of the 200 and goes away while the app is still sending the body.
    await new Promise<void>((resolve, reject) => {
      const s = connect(Number(port), '127.0.0.1')
      s.on('data', () => { s.destroy(); resolve() })
      s.on('error', reject)
      s.write(`POST ${p} HTTP/1.1\r\nHost: lab\r\nContent-Length: 0\r\n\r\n`)
    })
    await new Promise(resolve => setTimeout(resolve, 700))
    assert.notEqual(serial(await rawGet(f, p, [])), before, 'the page from before the write is still served')
  })

  await t.test('whitespace inside a Vary-named value is not normalised away: "A  (iPhone)" is not "A (iPhone)" to a UA sniffer', async () => {
    const p = path('mobile', ['Cache-Control: max-age=60', 'Vary: User-Agent'], 'User-Agent')
    // A sniffer matching "5.0 (iPhone" answers the attacker's double-spaced agent with the desktop page.
    assert.equal(echo(await rawGet(f, p, ['User-Agent: Mozilla/5.0  (iPhone)'])), 'Mozilla/5.0  (iPhone)')
    assert.equal(echo(await rawGet(f, p, ['User-Agent: Mozilla/5.0 (iPhone)'])), 'Mozilla/5.0 (iPhone)', 'the iPhone visitor gets the page made for another agent')
  })
})

test('what an entry keeps beside its headers (Ferry-Cache-Control) counts against --turbocache-size', async t => {
  const f = await attackLab(t, ['--turbocache-size', String(1024 * 1024)])
  // 50 KB of Ferry-Cache-Control (never sent to clients, kept for revalidation) and a body of a few bytes, 40 times:
  // 2 MB held by a 1 MB cache unless it is counted.
  const big = (i: number): string => `${path(`big${i}`, ['Ferry-Cache-Control: max-age=60, pad="{pad}"'])}&pad=50000`
  for (let i = 0; i < 40; i++) await rawGet(f, big(i), [])
  assert.equal(serial(await rawGet(f, big(39), [])), 40, 'stored')
  const s = await f.cacheStats()
  assert.ok(s.store_successes! >= 40)
  assert.ok(s.bytes! <= 1024 * 1024)
  assert.ok(s.entries! <= 21, `${s.entries!} entries of over 50 KB each held in ${s.bytes!} counted bytes`)
})

test('touching tmp/restart.txt takes effect while every request is a hit: the next one gets the new version', async t => {
  const app = join(tmpDir(t), 'app')
  cpSync(fixtureApp('cache-attack'), app, { recursive: true })
  mkdirSync(join(app, 'tmp'))
  writeFileSync(join(app, 'tmp', 'restart.txt'), '')
  const f = await startCore(t, app, ['--stat-throttle-rate', '1'], { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) })
  const p = path('page', ['Cache-Control: max-age=60'])
  await rawGet(f, path('uncached', []), [])
  const old = serial(await rawGet(f, p, []))
  assert.equal(old, 2)
  assert.equal(serial(await rawGet(f, p, [])), old)
  utimesSync(join(app, 'tmp', 'restart.txt'), new Date(), new Date(Date.now() + 5000))
  // The file is looked at once a second; until then hits are right to answer. A new process numbers its answers
  // from 1 again: the old one's page must be gone.
  let now = old
  for (const deadline = Date.now() + 4000; now === old && Date.now() < deadline;) {
    await new Promise(resolve => setTimeout(resolve, 200))
    now = serial(await rawGet(f, p, []))
  }
  assert.equal(now, 1, 'the old version\'s page is still served after the deploy')
})

test('--vary-turbocache-by-cookie: a quoted or spaced cookie (which Rack reads as another value) gets its own entry', async t => {
  const f = await attackLab(t, ['--vary-turbocache-by-cookie', 'lang'])
  const p = path('home', ['Cache-Control: max-age=60'], 'Cookie')
  // Rack 2.2 neither unquotes values nor trims names: to it these are no French visitor (so: the default page).
  for (const planted of ['lang="fr"', 'lang =fr', 'lang=fr ; x=1']) {
    assert.equal(echo(await rawGet(f, `${p}&n=${encodeURIComponent(planted)}`, [`Cookie: ${planted}`])), planted)
    assert.equal(echo(await rawGet(f, `${p}&n=${encodeURIComponent(planted)}`, ['Cookie: lang=fr'])), 'lang=fr', `${planted}: a French visitor gets the page made for it`)
  }
})
