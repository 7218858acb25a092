// `ferry restart-app` and `ferry detach-process` as subprocesses against a real instance: what they print, that the
// processes really are replaced, and their exit codes for an unknown app, an unknown PID and no instance.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, symlinkSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { runFerry, startFerry } from '../helpers/ferry.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'
import { adminClient, instanceDirIn } from '../helpers/instance.js'
import { isAlive, waitFor } from '../helpers/procs.js'

type Snapshot = { pool: { groups: Array<{ name: string, processes: Array<{ pid: number, state: string }> }> } }

/** The ready PIDs of each group, read from the instance's admin API. */
function readyPids (call: ReturnType<typeof adminClient>): () => Promise<Record<string, number[]>> {
  return async () => {
    const s = JSON.parse((await call('/pool.json')).body) as Snapshot
    return Object.fromEntries(s.pool.groups.map(g => [g.name, g.processes.filter(p => p.state === 'ready').map(p => p.pid)]))
  }
}

/** True once the group has its one process again and it is none of `before`. */
const replaced = (now: Record<string, number[]>, name: string, before: Record<string, number[]>): boolean =>
  now[name]?.length === 1 && !before[name]!.includes(now[name]![0]!)

test('ferry restart-app: one app by relative path or symlink, every app, --rolling, --json; an unknown app exits 3', async t => {
  const dir = tmpDir(t)
  const registry = tmpDir(t)
  cpSync(fixtureApp('named'), join(dir, 'a'), { recursive: true })
  cpSync(fixtureApp('named'), join(dir, 'b'), { recursive: true })
  symlinkSync(join(dir, 'a'), join(dir, 'link'))
  const a = join(dir, 'a')
  const b = join(dir, 'b')
  // b restarts rolling by its own setting: restart-app without --rolling must leave the method to the instance.
  const config = join(dir, 'ferry.json')
  writeFileSync(config, JSON.stringify({ apps: [{ root: 'a' }, { root: 'b', base_uri: '/b', 'rolling-restarts': true }] }))
  const f = await runFerry(t, ['start', '--config', config, '--port', '0', '--address', '127.0.0.1', '--instance-registry-dir', registry])
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  const pids = readyPids(adminClient(t, instanceDirIn(registry)))
  await waitFor(async () => { const p = await pids(); return p[a]?.length === 1 && p[b]?.length === 1 }, 15_000, 'both apps ready')
  const logged = (line: string): number => f.output().split('\n').filter(l => l.endsWith(line)).length

  // One app, by a path relative to the current directory: only its process is replaced, by the default method.
  let before = await pids()
  const one = await runCli(['restart-app', 'a'], { env, cwd: dir })
  assert.equal(one.code, 0, one.stderr)
  assert.equal(one.stdout, `Restarting ${a}\n`)
  await waitFor(async () => replaced(await pids(), a, before), 15_000, 'a replaced')
  assert.deepEqual((await pids())[b], before[b], 'b was not touched')
  assert.equal(logged(`restarting ${a} (blocking)`), 1)

  // Every app: each by its own default (a blocking, b rolling as configured).
  before = await pids()
  const all = await runCli(['restart-app'], { env })
  assert.equal(all.code, 0, all.stderr)
  assert.equal(all.stdout, `Restarting ${a}\nRestarting ${b}\n`)
  await waitFor(async () => { const now = await pids(); return replaced(now, a, before) && replaced(now, b, before) }, 15_000, 'both replaced')
  assert.equal(logged(`restarting ${a} (blocking)`), 2)
  assert.equal(logged(`restarting ${b} (rolling)`), 1)

  // --rolling, through a symlink to the app, with the instance named by a prefix.
  before = await pids()
  const name = basename(instanceDirIn(registry)).slice('ferry.'.length)
  const rolling = await runCli(['restart-app', 'link', '--rolling', '--name', name.slice(0, 3)], { env, cwd: dir })
  assert.equal(rolling.code, 0, rolling.stderr)
  assert.equal(rolling.stdout, `Restarting ${a} (rolling)\n`)
  await waitFor(async () => replaced(await pids(), a, before), 15_000, 'a replaced, rolling')
  assert.equal(logged(`restarting ${a} (rolling)`), 1)

  const json = await runCli(['restart-app', b, '--rolling', '--json'], { env })
  assert.equal(json.code, 0, json.stderr)
  assert.deepEqual(JSON.parse(json.stdout), { restarted: [b], method: 'rolling' })
  const jsonAll = await runCli(['restart-app', '--json'], { env })
  assert.deepEqual(JSON.parse(jsonAll.stdout), { restarted: [a, b], method: 'default' })

  // An app the instance does not serve, whether its directory exists or not: one line, exit 3.
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  for (const app of ['nope', dir]) {
    const unknown = await runCli(['restart-app', app], { env, cwd: dir })
    assert.equal(unknown.code, 3, unknown.stderr)
    assert.equal(unknown.stdout, '')
    assert.match(unknown.stderr, new RegExp(`^ferry: instance ${name} does not serve ${esc(app)} \\(it serves ${esc(a)}, ${esc(b)}; see \`ferry status\`\\) \\[E_APP_NOT_FOUND\\]\\n$`))
  }
  const unknownJson = await runCli(['restart-app', 'nope', '--json'], { env })
  assert.equal(unknownJson.code, 3)
  assert.equal((JSON.parse(unknownJson.stdout) as { error: { code: string } }).error.code, 'E_APP_NOT_FOUND')

  const noSuchInstance = await runCli(['restart-app', '--name', 'zzzzzzzz'], { env })
  assert.equal(noSuchInstance.code, 1)
  assert.match(noSuchInstance.stderr, /^ferry: no running Ferry instance is named 'zzzzzzzz'.*\[E_INSTANCE_NOT_FOUND\]\n$/)
})

test('ferry detach-process: the process finishes and exits, min-instances brings a new one; an unknown PID exits 3', async t => {
  const registry = tmpDir(t)
  const env = { FERRY_INSTANCE_REGISTRY_DIR: registry }
  await startFerry(t, fixtureApp('hello'), [], env)
  const pids = readyPids(adminClient(t, instanceDirIn(registry)))
  const readyOne = async (): Promise<number[]> => Object.values(await pids()).flat()
  await waitFor(async () => (await readyOne()).length === 1, 15_000, 'one ready process')
  const [pid] = await readyOne()
  const name = basename(instanceDirIn(registry)).slice('ferry.'.length)

  const r = await runCli(['detach-process', String(pid)], { env })
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, `Detached process ${pid} of instance ${name}: it finishes its requests, then stops\n`)
  await waitFor(() => !isAlive(pid!), 10_000, 'the detached process to exit')
  await waitFor(async () => { const now = await readyOne(); return now.length === 1 && now[0] !== pid }, 15_000, 'a replacement')

  // The same PID again: it is no longer the instance's.
  const again = await runCli(['detach-process', String(pid)], { env })
  assert.equal(again.code, 3)
  assert.equal(again.stderr, `ferry: no app process with PID ${pid} in instance ${name} (see \`ferry status\`) [E_PROCESS_NOT_FOUND]\n`)
  const againJson = await runCli(['detach-process', String(pid), '--json'], { env })
  assert.equal(againJson.code, 3)
  assert.equal((JSON.parse(againJson.stdout) as { error: { code: string } }).error.code, 'E_PROCESS_NOT_FOUND')

  const [next] = await readyOne()
  // --instance still works, as a deprecated alias of --name.
  const json = await runCli(['detach-process', String(next), '--json', '--instance', name], { env })
  assert.equal(json.code, 0, json.stderr)
  assert.deepEqual(JSON.parse(json.stdout), { pid: next, detached: true })
  await waitFor(() => !isAlive(next!), 10_000, 'the second detached process to exit')

  const notANumber = await runCli(['detach-process', '12abc'], { env })
  assert.equal(notANumber.code, 2)
  assert.match(notANumber.stderr, /^ferry: PID must be a process ID .*\[E_USAGE\]\n$/)
})

test('restart-app and detach-process with no instance running: exit 1, one line', async t => {
  const env = { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) }
  for (const argv of [['restart-app'], ['restart-app', '.', '--rolling'], ['detach-process', '4242']]) {
    const r = await runCli(argv, { env })
    assert.equal(r.code, 1, argv.join(' '))
    assert.match(r.stderr, /^ferry: no running Ferry instance was found in the instance registry .*\[E_INSTANCE_NOT_FOUND\]\n$/)
  }
})
