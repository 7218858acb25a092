// A fake /proc built from the text files under test/fixtures/proc/tree, plus the NUL-separated cmdline files
// (written here, so that the fixtures stay plain text).
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { repoRoot, tmpDir } from '../../helpers/tmp.js'

export const procFixtures = join(repoRoot, 'test', 'fixtures', 'proc')

export const fixtureText = (path: string): string => readFileSync(join(procFixtures, path), 'utf8')

export const CMDLINES: Record<number, string> = {
  2: '', // kernel thread
  // Titled processes: the title, NUL-padded over the old argv area, as libuv leaves it.
  100: 'Ferry watchdog\0\0\0\0\0\0\0\0',
  101: 'Ferry core\0\0\0\0\0\0\0',
  102: 'Ferry NodeApp: /srv/apps/hello\0\0\0',
  103: 'python3\0-m\0http.server\x004000\0', // a generic app, child of the core
  104: 'sleep\x00100\0', // spawned by the generic app
  200: 'nginx: master process /usr/sbin/nginx -g daemon on;\0',
  201: 'nginx: worker process\0',
  300: '/usr/sbin/apache2\0-k\0start\0',
  400: 'weird\0--flag\0',
  500: ''
}

export const fakeProc = (t: TestContext): string => {
  const root = join(tmpDir(t, 'fy-proc-'), 'proc')
  cpSync(join(procFixtures, 'tree'), root, { recursive: true })
  for (const [pid, text] of Object.entries(CMDLINES)) writeFileSync(join(root, pid, 'cmdline'), text)
  return root
}
