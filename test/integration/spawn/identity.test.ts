// When Ferry runs as root, app processes do not: the startup file's owner, nobody for root-owned apps, or --user.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chownSync, cpSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fixtureApp, tmpDir } from '../../helpers/tmp.js'
import { startFerry } from '../../helpers/ferry.js'
import { getJson } from '../../helpers/http.js'
import { runCli } from '../../helpers/cli.js'

const asRoot = process.geteuid?.() === 0
const skip = asRoot ? false : 'Ferry switches users only when it runs as root; run the suite as root (as CI does) to cover it'
const uidOf = (pid: number): number => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1])

test('as root: a root-owned app runs as nobody, an app owned by www-data as www-data, --user as told', { skip }, async t => {
  const rootOwned = await startFerry(t, fixtureApp('proxy-lab'))
  const a = await getJson<{ pid: number }>(`${rootOwned.url}/pid`)
  assert.equal(uidOf(a.pid), 65534)

  const dir = join(tmpDir(t), 'app')
  cpSync(fixtureApp('proxy-lab'), dir, { recursive: true })
  chownSync(dir, 33, 33)
  for (const f of readdirSync(dir)) chownSync(join(dir, f), 33, 33)
  const owned = await startFerry(t, dir)
  const b = await getJson<{ pid: number }>(`${owned.url}/pid`)
  assert.equal(uidOf(b.pid), 33)

  const told = await startFerry(t, fixtureApp('proxy-lab'), ['--user', 'www-data'])
  const c = await getJson<{ pid: number }>(`${told.url}/pid`)
  assert.equal(uidOf(c.pid), 33)
})

test('as root: --user root is refused before anything starts', { skip }, async () => {
  const r = await runCli(['start', fixtureApp('hello'), '--port', '0', '--address', '127.0.0.1', '--user', 'root'])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /^ferry: --user root: app processes never run as root; name an unprivileged user \[E_OPTION_INVALID\]\n$/)
})
