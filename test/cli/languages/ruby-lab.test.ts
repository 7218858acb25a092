// The Ruby lab app under a real Ferry started as a user starts it: 50 MB bodies both ways, out-of-band work,
// growth under load, and `ferry status` / `ferry memory-stats` listing the processes (checkLabApp runs the CLI for
// those). The rest of the Ruby app tests run on the in-process core: test/integration/languages/ruby-apps.test.ts.
import { describe, test, type TestContext } from 'node:test'
import { checkLabApp } from '../../helpers/lab-app.js'
import { missing, rubyWith } from '../../helpers/languages.js'

const ruby = rubyWith('rack')

describe('Ruby apps under Ferry', { skip: missing(ruby, 'ruby with the rack gem (ruby-rack)') }, () => {
  test('50 MB upload and download stream through a Rack app unbuffered; out-of-band work on request; growth under load, listed by status and memory-stats', async (t: TestContext) => {
    await checkLabApp(t, { fixture: 'rack-lab', interpreterArgs: ['--ruby', ruby!], maxRssMb: 45, titleKind: 'RubyApp' })
  })
})
