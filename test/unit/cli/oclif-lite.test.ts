// The fast path's parser (src/cli/fast/oclif-lite.ts) must read every command line it accepts exactly as oclif
// does; whatever it does not accept it leaves to oclif (NeedOclif). Each side uses the command as it runs there:
// the fast bundle's (dist/cli/fast/<id>.cjs, flags made by the lite Flags) and oclif's (dist/src/commands).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Parser } from '@oclif/core'
import { createRequire } from 'node:module'
import { NeedOclif, parseArgv, Flags as LiteFlags } from '../../../src/cli/fast/oclif-lite.js'
import Status from '../../../src/commands/status.js'
import MemoryStats from '../../../src/commands/memory-stats.js'

type Defs = Parameters<typeof parseArgv>[1]
type ArgDefs = Parameters<typeof parseArgv>[2]

/** What monitoring runs: these must stay on the fast path. */
const PLAIN: Record<string, string[][]> = {
  status: [[], ['--show', 'xml'], ['--show=xml'], ['--show', 'xml', 'k3x'], ['k3x', '--show', 'pool', '-v'], ['--no-header'],
    ['--header', '--verbose'], ['--timeout', '7'], ['-p', '3000'], ['--port=0'], ['-S', '/tmp/x.sock'], ['-n', 'k3x'],
    ['--instance-registry-dir', '/tmp/reg', '--show', 'server'], ['--force-colors']],
  'memory-stats': [[], ['--no-apache', '--no-nginx'], ['--apache'], ['--nginx', '--no-apache']]
}

/** Left to oclif: help, JSON, aliases, bundled short flags, bad values, errors oclif words. */
const FOR_OCLIF: Record<string, string[][]> = {
  status: [['--help'], ['-h'], ['--json'], ['--instance', 'k3x'], ['-vp', '3000'], ['-p3000'], ['--show', 'bogus'], ['--show'],
    ['--show='], ['--timeout', '0'], ['--timeout', 'x'], ['--port', '70000'], ['--port', '-1'], ['a', 'b'], ['--', 'x'],
    ['--shwo', 'xml'], ['--no-verbose'], ['--verbose=yes'], ['--show', 'xml', '--show', 'pool'], ['-x']],
  'memory-stats': [['--json'], ['--help'], ['extra'], ['--no-apach'], ['--apache=false']]
}

const COMMANDS = { status: Status, 'memory-stats': MemoryStats } as const

interface FastBundle {
  Command: { flags: Defs, args: ArgDefs }
  parseArgv: typeof parseArgv
  NeedOclif: typeof NeedOclif
}

const fastBundle = async (id: string): Promise<FastBundle> =>
  createRequire(import.meta.url)(`../../../cli/fast/${id}.cjs`) as FastBundle

async function oclifParse (cmd: { flags: unknown, args: unknown }, argv: string[]): Promise<{ flags: unknown, args: unknown }> {
  const { flags, args } = await Parser.parse(argv, { flags: cmd.flags as never, args: cmd.args as never, strict: true })
  return { flags, args }
}

for (const [id, cmd] of Object.entries(COMMANDS)) {
  test(`${id}: the plain command lines monitoring uses are parsed without oclif, as oclif parses them`, async () => {
    const fast = await fastBundle(id)
    for (const argv of PLAIN[id]!) {
      const lite = fast.parseArgv(argv, fast.Command.flags, fast.Command.args)
      assert.deepEqual(lite, await oclifParse(cmd, argv), argv.join(' '))
    }
  })

  test(`${id}: anything else is left to oclif`, async () => {
    const fast = await fastBundle(id)
    for (const argv of FOR_OCLIF[id]!) {
      assert.throws(() => fast.parseArgv(argv, fast.Command.flags, fast.Command.args), fast.NeedOclif, argv.join(' '))
    }
  })
}

test('a kind of flag the lite parser does not know, or a flag read from a set environment variable, goes to oclif', (t) => {
  process.env.FERRY_TEST_LITE_ENV = '1'
  t.after(() => { delete process.env.FERRY_TEST_LITE_ENV })
  assert.throws(() => parseArgv([], { when: LiteFlags.custom!({}) }, {}), NeedOclif)
  assert.throws(() => parseArgv([], { compat: LiteFlags.boolean!({ env: 'FERRY_TEST_LITE_ENV' }) }, {}), NeedOclif)
  assert.deepEqual(parseArgv([], { compat: LiteFlags.boolean!({ env: 'FERRY_TEST_LITE_UNSET' }) }, {}), { flags: {}, args: {} })
})
