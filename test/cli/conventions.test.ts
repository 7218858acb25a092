// The CLI conventions users of the field expect: help, "did you mean", completion, NO_COLOR, each default printed
// once, examples that survive the shell, list flags that leave the app directory alone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { runFerry } from '../helpers/ferry.js'
import { getJson } from '../helpers/http.js'
import { SCRIPT, ferryOnPty } from '../helpers/pty.js'
import { fixtureApp, tmpDir } from '../helpers/tmp.js'

const COMMANDS = ['detach-process', 'fly', 'memory-stats', 'reload', 'reopen-logs', 'restart-app', 'start', 'status', 'stop']

test('ferry help lists every command; ferry help COMMAND shows its usage', async () => {
  const all = await runCli(['help'])
  assert.equal(all.code, 0, all.stderr)
  for (const c of COMMANDS) assert.match(all.stdout, new RegExp(`^  ${c} `, 'm'), c)
  const one = await runCli(['help', 'status'])
  assert.equal(one.code, 0, one.stderr)
  assert.match(one.stdout, /USAGE\n {2}\$ ferry status \[NAME\]/)
  assert.match(one.stdout, /--show=<option>/)
})

test('a mistyped command: "did you mean" with the nearest one, exit 2; nothing near: where to look', async () => {
  const r = await runCli(['stauts'])
  assert.equal(r.code, 2)
  assert.equal(r.stderr, 'ferry: `stauts` is not a ferry command; did you mean `ferry status`? (see `ferry help`) [E_USAGE]\n')
  const m = await runCli(['memroy-stats'])
  assert.match(m.stderr, /did you mean `ferry memory-stats`\?/)
  const far = await runCli(['xyzzy'])
  assert.equal(far.code, 2)
  assert.match(far.stderr, /^ferry: `xyzzy` is not a ferry command; see `ferry help` for the commands \[E_USAGE\]\n$/)
})

test('a mistyped command on a terminal: the same line, and the guess is not run', async t => {
  if (SCRIPT === undefined) { t.skip('script(1) (util-linux) is not installed: no pseudo-terminal'); return }
  const p = ferryOnPty(['stauts', '--show', 'xml'], { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t), NO_COLOR: '1' })
  p.type('y\r') // what a user would answer to a "did you mean" prompt: nothing may run because of it
  assert.equal(await p.exited, 2)
  // The terminal echoes what was typed; besides that, only the one line.
  const out = p.output().replace(/\r/g, '').replace(/^y\n/m, '')
  assert.equal(out, 'ferry: `stauts` is not a ferry command; did you mean `ferry status`? (see `ferry help`) [E_USAGE]\n')
})

test('a mistyped flag: "did you mean" with the nearest flag of that command, exit 2', async t => {
  const env = { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) }
  const r = await runCli(['status', '--shwo', 'xml'], { env })
  assert.equal(r.code, 2)
  assert.equal(r.stderr, 'ferry: Nonexistent flag: --shwo; did you mean --show? (see `ferry status --help`) [E_USAGE]\n')
  const no = await runCli(['memory-stats', '--no-ngnix'])
  assert.match(no.stderr, /did you mean --no-nginx\?/)
  const far = await runCli(['status', '--zzzzzzzz'], { env })
  assert.match(far.stderr, /^ferry: Nonexistent flag: --zzzzzzzz \(see `ferry status --help`\) \[E_USAGE\]\n$/)
})

test('--help prints each default once', async () => {
  const helps = await Promise.all(COMMANDS.map(async c => [c, await runCli([c, '--help'])] as const))
  for (const [c, r] of helps) {
    assert.equal(r.code, 0, r.stderr)
    // A flag's block starts at a line "  -x, --flag" or "      --flag" and runs until the next one.
    const blocks = r.stdout.split(/\n(?= {2}-\w, --| {6}--| {2}--)/)
    for (const b of blocks) {
      const defaults = b.replace(/\s+/g, ' ').match(/\[default: /g) ?? []
      assert.ok(defaults.length <= 1, `ferry ${c} --help prints a default twice:\n${b}`)
    }
  }
  const status = (await runCli(['status', '--help'])).stdout.replace(/\s+/g, ' ')
  assert.equal(status.match(/\[default: pool\]/g)?.length, 1)
  assert.equal(status.match(/\[default: 5\]/g)?.length, 1)
})

test('examples put $PORT in single quotes, so the shell passes it to Ferry', async () => {
  const r = await runCli(['start', '--help'])
  assert.ok(r.stdout.includes("$ ferry start --app-start-command 'python3 -m http.server $PORT' ."), r.stdout)
  assert.doesNotMatch(r.stdout, /"[^"\n]*\$PORT[^"\n]*"/)
})

test('--envvar NAME=VALUE followed by the app directory: the directory stays the app, the variable reaches it', async t => {
  const env = { FERRY_INSTANCE_REGISTRY_DIR: tmpDir(t) }
  const f = await runFerry(t, ['start', '--envvar', 'FERRY_TEST_A=1', fixtureApp('hello'), '--envvar', 'FERRY_TEST_B=2', '--port', '0', '--address', '127.0.0.1'], env)
  const seen = await getJson<Record<string, string>>(`${f.url}/env`)
  assert.equal(seen.FERRY_TEST_A, '1')
  assert.equal(seen.FERRY_TEST_B, '2')
  assert.match(f.output(), /App: +.*test\/fixtures\/apps\/hello\n/)
})

test('shell completion (bash): commands and their flags complete from the generated script', async t => {
  const bash = ['/usr/bin/bash', '/bin/bash'].find(p => existsSync(p))
  if (bash === undefined) { t.skip('bash is not installed'); return }
  const cache = tmpDir(t)
  const env = { XDG_CACHE_HOME: cache, HOME: cache }
  const refresh = await runCli(['autocomplete', '--refresh-cache'], { env })
  assert.equal(refresh.code, 0, refresh.stderr)
  const script = await runCli(['autocomplete', 'script', 'bash'], { env })
  assert.match(script.stdout, /FERRY_AC_BASH_SETUP_PATH=/)
  const complete = (words: string[]): string[] => {
    const line = `${script.stdout.trim()}\nCOMP_WORDS=(${words.map(w => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE='${words.join(' ')}'; ` +
      '_ferry_autocomplete; printf "%s\\n" "${COMPREPLY[@]}"'
    const r = spawnSync(bash, ['-c', line], { env: { ...process.env, ...env }, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    return r.stdout.split('\n').filter(w => w !== '')
  }
  assert.deepEqual(complete(['ferry', 'sta']).sort(), ['start', 'status'])
  assert.deepEqual(complete(['ferry', 'status', '--sh']), ['--show'])
  assert.ok(complete(['ferry', '']).includes('memory-stats'))
  // zsh: the completion function is generated alongside.
  assert.ok(existsSync(join(cache, 'ferry', 'autocomplete', 'functions', 'zsh', '_ferry')))
  const zsh = await runCli(['autocomplete', 'script', 'zsh'], { env })
  assert.match(zsh.stdout, /FERRY_AC_ZSH_SETUP_PATH=/)
})

test('NO_COLOR: no colour on a terminal, in any command\'s output or errors', async t => {
  if (SCRIPT === undefined) { t.skip('script(1) (util-linux) is not installed: no pseudo-terminal'); return }
  const registry = tmpDir(t)
  const run = async (args: string[], env: NodeJS.ProcessEnv): Promise<string> => {
    const p = ferryOnPty(args, { FERRY_INSTANCE_REGISTRY_DIR: registry, ...env })
    await p.exited
    return p.output()
  }
  // eslint-disable-next-line no-control-regex
  const COLOUR = /\x1b\[[0-9;]*m/
  // Without NO_COLOR a terminal gets colours (else this test could not fail)…
  assert.match(await run(['memory-stats'], { NO_COLOR: undefined }), COLOUR)
  assert.match(await run(['status', '--show', 'xml'], { NO_COLOR: undefined }), COLOUR) // the error line
  // …and with it, none.
  for (const args of [['memory-stats'], ['status', '--show', 'xml'], ['status', '--bogus']]) {
    const out = await run(args, { NO_COLOR: '1' })
    assert.doesNotMatch(out, COLOUR, `ferry ${args.join(' ')}:\n${JSON.stringify(out)}`)
    assert.ok(out.trim() !== '', `ferry ${args.join(' ')} printed nothing`)
  }
})
