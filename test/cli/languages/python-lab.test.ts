// The Python lab app under a real Ferry started as a user starts it: 50 MB bodies both ways, out-of-band work,
// growth under load, and `ferry status` / `ferry memory-stats` listing the processes (checkLabApp runs the CLI for
// those). The rest of the Python app tests run on the in-process core: test/integration/languages/python-apps.test.ts.
import { describe, test, type TestContext } from 'node:test'
import { checkLabApp } from '../../helpers/lab-app.js'
import { missing, pythonWith } from '../../helpers/languages.js'

const python = pythonWith()

describe('Python apps under Ferry', { skip: missing(python, 'python3') }, () => {
  test('50 MB upload and download pass through a WSGI app without it holding them whole; out-of-band work on request; growth under load, listed by status and memory-stats', async (t: TestContext) => {
    await checkLabApp(t, { fixture: 'wsgi-lab', interpreterArgs: ['--python', python!], maxRssMb: 40, titleKind: 'PythonApp' })
  })
})
