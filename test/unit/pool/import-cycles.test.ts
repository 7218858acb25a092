// The pool's files import one another in one direction only, type imports included: shared types live in leaf
// files (event-map.ts, snapshot.ts's SnapshotSource), so no file needs the one that needs it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../helpers/tmp.js'

const dir = join(repoRoot, 'src', 'core', 'pool')

/** Each pool file's imports of other pool files (by file name), whether of values or of types. */
function importGraph (): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const name of readdirSync(dir).filter(n => n.endsWith('.ts'))) {
    const text = readFileSync(join(dir, name), 'utf8')
    const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]\.\/([^'"/]+)\.js['"]/g)].map(m => `${m[1]!}.ts`)
    graph.set(name, specs)
  }
  return graph
}

function findCycle (graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>()
  const path: string[] = []
  const visit = (node: string): string[] | undefined => {
    const at = path.indexOf(node)
    if (at >= 0) return [...path.slice(at), node]
    if (done.has(node)) return undefined
    path.push(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle !== undefined) return cycle
    }
    path.pop()
    done.add(node)
    return undefined
  }
  for (const node of graph.keys()) {
    const cycle = visit(node)
    if (cycle !== undefined) return cycle
  }
  return undefined
}

test('the cycle finder sees a cycle (so that the next test can fail)', () => {
  assert.deepEqual(findCycle(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']]])), ['a.ts', 'b.ts', 'a.ts'])
})

test('no import cycle among the pool\'s files, type-only imports included', () => {
  const graph = importGraph()
  assert.ok(graph.has('group.ts') && graph.get('pool.ts')!.includes('group.ts'), 'the graph is read')
  const cycle = findCycle(graph)
  assert.equal(cycle, undefined, `cycle: ${cycle?.join(' -> ') ?? ''}`)
})
