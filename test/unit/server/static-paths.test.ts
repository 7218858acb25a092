import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createStaticFiles, normalizeRequestPath } from '../../../src/core/server/static.js'
import { tmpDir } from '../../helpers/tmp.js'

// Request target → URL path to look up, or undefined (not a static file; the app gets it).
const cases: Array<[string | undefined, string | undefined]> = [
  ['/css/site.css', '/css/site.css'],
  ['/css/site.css?v=3&x=/../y', '/css/site.css'],
  ['/', '/'],
  ['/docs/', '/docs/'],
  ['/a%20b.txt', '/a b.txt'],
  ['/caf%C3%A9.txt', '/café.txt'],
  ['/100%25.txt', '/100%.txt'],
  ['/css%2fsite.css', '/css/site.css'],
  ['/a..b.txt', '/a..b.txt'],
  // decoded once only: the result names a literal '%2e%2e' directory, which stays inside public/
  ['/%252e%252e/secret.txt', '/%2e%2e/secret.txt'],
  // malformed encoding, NUL, backslash
  ['/%E0%A4%A', undefined],
  ['/%zz', undefined],
  ['/a%00.txt', undefined],
  ['/css/..%5c..%5csecret.txt', undefined],
  ['/css\\site.css', undefined],
  // dot segments, plain or encoded, and dot-files
  ['/../secret.txt', undefined],
  ['/%2e%2e/secret.txt', undefined],
  ['/%2E%2E/secret.txt', undefined],
  ['/..%2fsecret.txt', undefined],
  ['/public/../../etc/passwd', undefined],
  ['/css/../index.html', undefined],
  ['/./index.html', undefined],
  ['/css/.', undefined],
  ['/.env', undefined],
  ['/.git/config', undefined],
  ['/%2egit/config', undefined],
  // not canonical, not origin-form
  ['//etc/passwd', undefined],
  ['/css//site.css', undefined],
  ['http://example.com/index.html', undefined],
  ['*', undefined],
  ['', undefined],
  [undefined, undefined]
]

for (const [url, expected] of cases) {
  test(`normalizeRequestPath(${JSON.stringify(url)}) → ${JSON.stringify(expected)}`, () => {
    assert.equal(normalizeRequestPath(url), expected)
  })
}

// tryServe decisions that answer nothing: a bare request object is enough, and the response is never touched.
function request (method: string, url: string): IncomingMessage {
  return { method, url } as IncomingMessage
}
const untouched = new Proxy({}, { get: () => assert.fail('the response must not be used') }) as ServerResponse

test('a missing public dir gives a handler that serves nothing', (t: TestContext) => {
  const errors: Error[] = []
  const files = createStaticFiles(join(tmpDir(t), 'public'), { onError: err => errors.push(err) })
  t.after(() => files.close())
  assert.equal(files.fileCount, 0)
  assert.equal(files.tryServe(request('GET', '/'), untouched), false)
  assert.deepEqual(errors, [])
})

test('a public path that is a file gives a handler that serves nothing', (t: TestContext) => {
  const app = tmpDir(t)
  writeFileSync(join(app, 'public'), 'not a directory')
  const files = createStaticFiles(join(app, 'public'))
  t.after(() => files.close())
  assert.equal(files.fileCount, 0)
})

test('only GET and HEAD of indexed, canonical paths are static', (t: TestContext) => {
  const pub = join(tmpDir(t), 'public')
  mkdirSync(join(pub, 'css'), { recursive: true })
  writeFileSync(join(pub, 'css', 'site.css'), 'body{}')
  const files = createStaticFiles(pub)
  t.after(() => files.close())
  assert.equal(files.fileCount, 1)
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
    assert.equal(files.tryServe(request(method, '/css/site.css'), untouched), false, method)
  }
  for (const url of ['/css/', '/css', '/css/other.css', '/css/../css/site.css', '/CSS/site.css']) {
    assert.equal(files.tryServe(request('GET', url), untouched), false, url)
  }
})

test('maxFiles is validated with a message naming the option and the value', () => {
  for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
    assert.throws(() => createStaticFiles('/nonexistent', { maxFiles: bad }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_OPTION_INVALID')
      assert.equal(err.message, `maxFiles must be a positive integer, received ${String(bad)}`)
      return true
    })
  }
})

test('a truncated index is reported once through onError', (t: TestContext) => {
  const pub = join(tmpDir(t), 'public')
  mkdirSync(pub)
  for (const name of ['a', 'b', 'c', 'd']) writeFileSync(join(pub, `${name}.txt`), name)
  const errors: Error[] = []
  const files = createStaticFiles(pub, { maxFiles: 2, onError: err => errors.push(err) })
  t.after(() => files.close())
  assert.equal(files.fileCount, 2)
  assert.equal(errors.length, 1)
  assert.match(errors[0]!.message, /more than 2 files/)
})
