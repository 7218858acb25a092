// `ferry status --watch [SECONDS]` against a real instance: repeated plainly on a pipe, redrawn in place on a
// terminal until q or Ctrl-C; and the fast path monitoring relies on: `status --show xml` runs without oclif.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'
import { ferryBin, startFerry } from '../helpers/ferry.js'
import { SCRIPT, ferryOnPty, type PtyRun } from '../helpers/pty.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'
import { instanceDirIn } from '../helpers/instance.js'
import { basename } from 'node:path'

async function until (what: string, ok: () => boolean, output: () => string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen:\n${JSON.stringify(output())}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const count = (s: string, needle: string): number => s.split(needle).length - 1

test('status --watch', async t => {
  const registry = tmpDir(t)
  const env = { ...process.env, FERRY_INSTANCE_REGISTRY_DIR: registry, NO_COLOR: '1' }
  await startFerry(t, fixtureApp('hello'), [], env)

  await t.test('on a pipe: the view printed again every SECONDS, until SIGINT (exit 0)', async () => {
    const p = spawn(process.execPath, [ferryBin, 'status', '--watch', '0.3', '--show', 'xml'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (c: Buffer) => { out += c.toString() })
    p.stderr.on('data', (c: Buffer) => { out += c.toString() })
    const exited = once(p, 'exit')
    await until('three views', () => count(out, '<?xml') >= 3, () => out)
    p.kill('SIGINT')
    const [code] = await exited as [number | null]
    assert.equal(code, 0, out)
    assert.doesNotMatch(out, /\x1b\[/, 'no terminal control on a pipe') // eslint-disable-line no-control-regex
    assert.match(out, /<\/info>\n\n<\?xml/, 'views are separated by a blank line')
  })

  await t.test('--watch without SECONDS: the default interval, and a NAME after it stays the instance', async () => {
    const name = basename(instanceDirIn(registry)).slice('ferry.'.length)
    const p = spawn(process.execPath, [ferryBin, 'status', '--watch', name.slice(0, 3), '--no-header'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (c: Buffer) => { out += c.toString() })
    p.stderr.on('data', (c: Buffer) => { out += c.toString() })
    const exited = once(p, 'exit')
    await until('a view', () => out.includes('General information'), () => out)
    p.kill('SIGTERM')
    assert.equal((await exited as [number | null])[0], 0, out)
    const bad = spawnSync(process.execPath, [ferryBin, 'status', '--watch', '0'], { env, encoding: 'utf8' })
    assert.equal(bad.status, 2)
    assert.match(bad.stderr, /--watch 0: give the seconds between views.*\[E_USAGE\]/)
  })

  const onTerminal = async (quit: string, how: string): Promise<void> => {
    const p: PtyRun = ferryOnPty(['status', '--watch', '0.3'], { FERRY_INSTANCE_REGISTRY_DIR: registry, NO_COLOR: '1' })
    await until('two redraws', () => count(p.output(), 'Every 0.3s: ferry status --watch 0.3') >= 2, p.output)
    const out = p.output()
    assert.ok(out.startsWith('\x1b[?1049h\x1b[?25l'), 'switches to the alternate screen, cursor hidden')
    assert.match(out, /\x1b\[HEvery 0\.3s: ferry status --watch 0\.3 +\(q to quit\)/, 'redraws from the top') // eslint-disable-line no-control-regex
    p.type(quit)
    const code = await Promise.race([p.exited, new Promise(resolve => setTimeout(() => resolve('still running'), 10_000))])
    assert.equal(code, 0, `${how} did not end the watch with exit 0:\n${JSON.stringify(p.output().slice(-300))}`)
    assert.ok(p.output().trimEnd().endsWith('\x1b[?25h\x1b[?1049l'), `${how}: the terminal is given back (cursor shown, main screen)`)
  }

  await t.test('on a terminal: redrawn in place, q quits and gives the terminal back', async t2 => {
    if (SCRIPT === undefined) { t2.skip('script(1) (util-linux) is not installed: no pseudo-terminal'); return }
    await onTerminal('q', 'q')
  })

  await t.test('on a terminal: Ctrl-C quits the same way', async t2 => {
    if (SCRIPT === undefined) { t2.skip('script(1) (util-linux) is not installed: no pseudo-terminal'); return }
    await onTerminal('\x03', 'Ctrl-C')
  })

  await t.test('status --show xml and memory-stats run without loading oclif; --help and --json still get oclif', async () => {
    // A preload that says, as the process exits, whether any module of @oclif/core was loaded.
    const probe = join(tmpDir(t), 'probe.mjs')
    writeFileSync(probe, "import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\n" +
      "process.on('exit', () => process.stderr.write(`oclif loaded: ${Object.keys(require.cache).some(k => k.includes('@oclif/core'))}\\n`))\n")
    const run = (args: string[]): { stdout: string, stderr: string, status: number | null } =>
      spawnSync(process.execPath, ['--import', probe, ferryBin, ...args], { env, encoding: 'utf8' })
    for (const args of [['status', '--show', 'xml'], ['status'], ['memory-stats']]) {
      const r = run(args)
      assert.equal(r.status, 0, r.stderr)
      assert.match(r.stderr, /oclif loaded: false/, `ferry ${args.join(' ')}`)
    }
    const xml = run(['status', '--show', 'xml'])
    assert.match(xml.stdout, /^<\?xml version="1.0" encoding="iso-8859-1" \?>\n?<info version="3">/)
    const help = run(['status', '--help'])
    assert.match(help.stdout, /USAGE\n {2}\$ ferry status/)
    assert.match(help.stderr, /oclif loaded: true/)
    const json = run(['status', '--json'])
    assert.equal(json.status, 0, json.stderr)
    assert.ok(JSON.parse(json.stdout.trim()) !== null)
    assert.match(json.stderr, /oclif loaded: true/)
  })
})
