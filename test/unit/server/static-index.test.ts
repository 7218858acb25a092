import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import {
  buildIndex, buildIndexSync, isServableName, relativeInside, type StaticIndex
} from '../../../src/core/server/static-index.js'
import { tmpDir } from '../../helpers/tmp.js'

// Write each file (creating directories), then each symlink (link path → target, relative or absolute).
function makeTree (base: string, files: string[], links: Array<[string, string]> = []): void {
  for (const file of files) {
    mkdirSync(dirname(join(base, file)), { recursive: true })
    writeFileSync(join(base, file), `content of ${file}\n`)
  }
  for (const [link, target] of links) {
    mkdirSync(dirname(join(base, link)), { recursive: true })
    symlinkSync(target, join(base, link))
  }
}

// The index contract, run against both drivers: they share one walk and must give the same answers.
const drivers: Array<[string, (root: string, maxFiles: number) => StaticIndex | Promise<StaticIndex>]> = [
  ['buildIndexSync', buildIndexSync],
  ['buildIndex', buildIndex]
]

for (const [name, build] of drivers) {
  test(`${name}: indexes regular files by URL path, index.html also under its directory`, async (t: TestContext) => {
    const app = tmpDir(t)
    const pub = join(app, 'public')
    makeTree(pub, ['index.html', 'css/site.css', 'docs/index.html', 'docs/a b.txt', 'img/deep/x/y.png'])
    const index = await build(pub, 100)
    assert.equal(index.fileCount, 5)
    assert.equal(index.truncated, false)
    assert.deepEqual(Object.fromEntries([...index.files].sort()), {
      '/': 'index.html',
      '/index.html': 'index.html',
      '/css/site.css': 'css/site.css',
      '/docs/': 'docs/index.html',
      '/docs/index.html': 'docs/index.html',
      '/docs/a b.txt': 'docs/a b.txt',
      '/img/deep/x/y.png': 'img/deep/x/y.png'
    })
  })

  test(`${name}: leaves out dot-files, dot-directories and names with backslashes`, async (t: TestContext) => {
    const pub = join(tmpDir(t), 'public')
    makeTree(pub, ['ok.txt', '.env', '.git/config', '.well-known/x.txt', 'css/.hidden.css', 'a\\b.txt'])
    const index = await build(pub, 100)
    assert.deepEqual([...index.files.keys()], ['/ok.txt'])
  })

  test(`${name}: follows symlinks only when they stay inside the real public dir`, async (t: TestContext) => {
    const app = tmpDir(t)
    const pub = join(app, 'public')
    makeTree(app, ['secret.txt', 'outside/lib.js', 'public/real/a.css', 'public/.private/key.txt'])
    makeTree(pub, [], [
      ['out-file.txt', join(app, 'secret.txt')], // absolute, out of the tree
      ['out-rel.txt', '../secret.txt'], // relative, out of the tree
      ['out-dir', '../outside'], // directory out of the tree
      ['in-file.css', 'real/a.css'], // in the tree
      ['in-dir', 'real'], // directory in the tree
      ['to-dot.txt', '.private/key.txt'], // in the tree, but into a dot-directory
      ['dangling.txt', 'missing.txt'],
      ['real/loop', '..'] // back up to the root: must not loop
    ])
    const index = await build(pub, 100)
    assert.deepEqual([...index.files.keys()].sort(), ['/in-dir/a.css', '/in-file.css', '/real/a.css'])
  })

  test(`${name}: a public dir reached through a symlink is indexed under its real path`, async (t: TestContext) => {
    const app = tmpDir(t)
    makeTree(app, ['shared/public/app.js'], [['public', 'shared/public']])
    const index = await build(join(app, 'shared', 'public'), 100)
    assert.deepEqual([...index.files.keys()], ['/app.js'])
  })

  test(`${name}: stops at maxFiles and says so`, async (t: TestContext) => {
    const pub = join(tmpDir(t), 'public')
    makeTree(pub, ['a.txt', 'b.txt', 'c/d.txt', 'c/e.txt', 'f.txt'])
    const index = await build(pub, 3)
    assert.equal(index.fileCount, 3)
    assert.equal(index.truncated, true)
    assert.ok(index.files.size <= 3)
    const all = await build(pub, 5)
    assert.equal(all.fileCount, 5)
    assert.equal(all.truncated, false)
  })

  test(`${name}: a missing root gives an empty index`, async (t: TestContext) => {
    const index = await build(join(tmpDir(t), 'nope'), 100)
    assert.equal(index.fileCount, 0)
    assert.equal(index.files.size, 0)
  })
}

test('isServableName rejects dot-files and backslashes', () => {
  assert.equal(isServableName('site.css'), true)
  assert.equal(isServableName('a..b'), true)
  assert.equal(isServableName('.env'), false)
  assert.equal(isServableName('..'), false)
  assert.equal(isServableName('a\\b'), false)
  assert.equal(isServableName(''), false)
})

test('relativeInside accepts only paths strictly below the root', () => {
  assert.equal(relativeInside('/srv/app/public', '/srv/app/public/css/a.css'), 'css/a.css')
  assert.equal(relativeInside('/srv/app/public', '/srv/app/public'), undefined)
  assert.equal(relativeInside('/srv/app/public', '/srv/app/public-old/a.css'), undefined)
  assert.equal(relativeInside('/srv/app/public', '/srv/app/secret.txt'), undefined)
  assert.equal(relativeInside('/', '/etc/passwd'), 'etc/passwd')
})
