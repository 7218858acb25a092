// keep-tick-shape.cjs: a full GC while node's tick queue is empty frees the hidden classes of nextTick's queue entry,
// and the next nextTick() makes its literal's inline caches megamorphic for good (2-4 times slower from then on).
// A real node shows it (the control below, which skips rather than pass if this node no longer does), and shows that
// keepTickShape() and both app preloads, loaded the way Ferry loads them, keep those caches monomorphic.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { join } from 'node:path'
import { repoRoot } from '../../helpers/tmp.js'

const PROBE = join(repoRoot, 'test', 'fixtures', 'tick-probe.cjs')
const SPAWN = join(repoRoot, 'src', 'core', 'spawn')
const V8_FLAGS = ['--allow-natives-syntax', '--expose-gc']

/** The states of the inline caches of nextTick's queue-entry literal, as V8 prints them, after the probe ran. */
async function literalCaches (options: { args?: string[], preload?: string, env?: Record<string, string> } = {}): Promise<string[]> {
  const child = fork(PROBE, options.args ?? [], {
    execArgv: [...V8_FLAGS, ...(options.preload === undefined ? [] : ['--require', join(SPAWN, options.preload)])],
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc']
  })
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject).on('close', resolve) })
  assert.equal(code, 0, `the probe failed:\n${out}`)
  return [...out.matchAll(/slot #\d+ DefineKeyedOwnPropertyInLiteral (\w+)/g)].map(m => m[1]!)
}

/** The bare node's caches after the probe: run once, for the control and for every test's skip decision. */
let bareRun: Promise<string[]> | undefined
const bareCaches = (): Promise<string[]> => (bareRun ??= literalCaches())

/** Skips the test when this node's nextTick no longer falls into the megamorphic state (nothing left to prevent). */
async function skipUnlessNodeShowsIt (t: TestContext): Promise<boolean> {
  const bare = await bareCaches()
  if (bare.length === 0) { t.skip('this node prints no DefineKeyedOwnPropertyInLiteral caches for nextTick'); return false }
  if (!bare.includes('MEGAMORPHIC')) { t.skip(`a GC no longer makes nextTick's caches megamorphic on this node (${bare.join(' ')})`); return false }
  return true
}

test('control: on a bare node, a full GC with the tick queue empty leaves nextTick\'s literal megamorphic', async t => {
  if (!await skipUnlessNodeShowsIt(t)) return
  const bare = await bareCaches()
  assert.ok(bare.length >= 2, `nextTick's literal has a cache per computed key: ${bare.join(' ')}`)
  assert.ok(bare.includes('MEGAMORPHIC'))
})

test('keepTickShape() keeps nextTick\'s literal monomorphic through full GCs', async t => {
  if (!await skipUnlessNodeShowsIt(t)) return
  const kept = await literalCaches({ args: ['keep'] })
  assert.ok(kept.length >= 2)
  assert.deepEqual(kept.filter(state => state !== 'MONOMORPHIC'), [], `caches: ${kept.join(' ')}`)
})

test('both app preloads keep it, as Ferry loads them (proxy and --bypass)', async t => {
  if (!await skipUnlessNodeShowsIt(t)) return
  const proxied = await literalCaches({ preload: 'preload.cjs', env: { FERRY_SOCKET_PATH: join(repoRoot, 'never-used.sock') } })
  const bypassed = await literalCaches({ preload: 'preload-bypass.cjs', env: { FERRY_BYPASS: '1' } })
  for (const [mode, caches] of [['proxy', proxied], ['bypass', bypassed]] as const) {
    assert.ok(caches.length >= 2, `${mode}: ${caches.join(' ')}`)
    assert.deepEqual(caches.filter(state => state !== 'MONOMORPHIC'), [], `${mode}: caches ${caches.join(' ')}`)
  }
})
