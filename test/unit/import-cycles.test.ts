// No import cycle anywhere in src/, type-only imports included. ESLint's import-x/no-cycle (npm run lint) skips
// `import type` with no option to count it, so this test is what keeps type-only cycles out: shared types live in
// leaf files (pool/event-map.ts, server/exchange-types.ts, server/app-head.ts, …) that import nothing back.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { repoRoot } from '../helpers/tmp.js'

const src = join(repoRoot, 'src')

function sources (dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : []
  })
}

/** The source files `text` (the file at `file`) imports by relative specifier, `import type` and `import()` included. */
function localImports (file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map(m => m[1]!)
  return specs.map(s => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
}

/** One cycle (as a list of nodes, the first repeated at the end) in the import graph, or undefined. */
function findCycle (graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node]
    state.set(node, 'open')
    path.push(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle !== undefined) return cycle
    }
    path.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of graph.keys()) {
    const cycle = visit(node)
    if (cycle !== undefined) return cycle
  }
  return undefined
}

function srcGraph (): Map<string, string[]> {
  const files = sources(src)
  const known = new Set(files)
  return new Map(files.map(f => [f, localImports(f, readFileSync(f, 'utf8')).filter(p => known.has(p))]))
}

test('the cycle finder sees a type-only cycle across directories (so that the next test can fail)', () => {
  const a = join(src, 'core', 'admin', 'a.ts')
  const b = join(src, 'core', 'runtime', 'b.ts')
  const graph = new Map([
    [a, localImports(a, 'import type { B } from \'../runtime/b.js\'\n')],
    [b, localImports(b, 'import { type A } from \'../admin/a.js\'\n')]
  ])
  assert.deepEqual(findCycle(graph), [a, b, a])
})

test('no import cycle in src/, type-only imports included', () => {
  const graph = srcGraph()
  const pool = join(src, 'core', 'pool')
  assert.ok(graph.size > 100 && graph.get(join(pool, 'pool.ts'))!.includes(join(pool, 'group.ts')), 'the graph is read')
  const cycle = findCycle(graph)
  assert.equal(cycle, undefined, `import cycle: ${(cycle ?? []).map(f => relative(src, f)).join(' -> ')}`)
})
