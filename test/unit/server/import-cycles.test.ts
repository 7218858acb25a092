// The server's modules form no import cycle, type-only imports included: shared types live in leaf files
// (exchange-types.ts, app-head.ts) that every other module may import without importing one another.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { repoRoot } from '../../helpers/tmp.js'

function sources (dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : []
  })
}

/** The files under `dir` that `file` imports (relative specifiers, `import type` included). */
function localImports (file: string, dir: string): string[] {
  const specs = [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map(m => m[1]!)
  return specs.map(s => resolve(dirname(file), s.replace(/\.js$/, '.ts'))).filter(p => p.startsWith(dir + '/'))
}

/** One cycle (as a list of files) in the import graph, or undefined. */
function findCycle (graph: Map<string, string[]>): string[] | undefined {
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

test('src/core/server has no import cycle, type-only imports included', () => {
  const dir = join(repoRoot, 'src', 'core', 'server')
  const graph = new Map(sources(dir).map(f => [f, localImports(f, dir)]))
  assert.ok(graph.size > 10, 'the server sources were found')
  const cycle = findCycle(graph)
  assert.equal(cycle, undefined, `import cycle: ${(cycle ?? []).map(f => relative(dir, f)).join(' -> ')}`)
})
