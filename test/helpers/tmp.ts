import { chmodSync, mkdtempSync, rmSync, realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'

/** The repository root (tests run from dist/test/…). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/** Absolute path of a fixture app under test/fixtures/apps. */
export function fixtureApp (name: string): string {
  return join(repoRoot, 'test', 'fixtures', 'apps', name)
}

/**
 * A fresh directory (short path, for Unix sockets) removed after the test. Readable by everyone: when the suite runs
 * as root, Ferry runs app processes as an unprivileged user, and app copies made here must be readable by it.
 */
export function tmpDir (t: TestContext | { after: (fn: () => void) => void }, prefix = 'fy-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)))
  chmodSync(dir, 0o755)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
