// Ruby (Rack) apps served by a real Ferry core: Sinatra, load-time errors. The lab app (50 MB bodies both ways,
// growth under load, status / memory-stats listing the processes) is in test/cli/languages/ruby-lab.test.ts.
import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { fixtureApp } from '../../helpers/tmp.js'
import { startCore } from '../../helpers/core.js'
import { get } from '../../helpers/http.js'
import { missing, rubyWith } from '../../helpers/languages.js'

const ruby = rubyWith('rack')
const sinatraRuby = rubyWith('rack', 'sinatra/base')

describe('Ruby apps under Ferry', { skip: missing(ruby, 'ruby with the rack gem (ruby-rack)') }, () => {
  test('a load-time exception is a spawn error with the backtrace in development', async (t: TestContext) => {
    // Production's plain page is the same for every kind of app (see the Node and Python tests).
    const dev = await startCore(t, fixtureApp('rack-crashing'), ['--ruby', ruby!, '--environment', 'development'])
    const page = await get(`${dev.url}/`)
    assert.equal(page.status, 500)
    assert.match(page.body, /missing DATABASE_URL \(RuntimeError\)/)
  })

  test('a Sinatra app: forms, and a 500 that leaves it serving', { skip: missing(sinatraRuby, 'ruby-sinatra') }, async (t: TestContext) => {
    const f = await startCore(t, fixtureApp('sinatra-hello'), ['--ruby', sinatraRuby!])
    assert.match((await get(`${f.url}/`)).body, /^hello from sinatra \d+\n$/)
    const form = await get(`${f.url}/form`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=ferry' })
    assert.equal(form.body, 'name=ferry')
    assert.equal((await get(`${f.url}/boom`)).status, 500)
    assert.equal((await get(`${f.url}/pid`)).status, 200)
  })
})
