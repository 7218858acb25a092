// Which app a request goes to: Host (exact, wildcard, any), then the longest base URI on a segment boundary.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Router, hostName, pathInApp, underBase, type AppRoute } from '../../../src/core/server/router.js'

function route (root: string, serverNames: string[], baseUri = '/', adHoc = false): AppRoute {
  return { root, serverNames, baseUri, adHoc, group: undefined as never, staticFiles: undefined, turbocache: undefined, stickyCookie: undefined, maxRequestTimeMs: 0, upgradeTimeoutMs: 60_000, friendlyErrorPages: false }
}

test('host and longest base URI', () => {
  const r = new Router()
  r.set([
    route('/a', ['a.test']),
    route('/a-blog', ['a.test'], '/blog'),
    route('/a-blog-admin', ['a.test'], '/blog/admin'),
    route('/wild', ['*.wild.test']),
    route('/default', [])
  ])
  const at = (host: string | undefined, url: string): string | undefined => r.resolve(host, url)?.root
  assert.equal(at('a.test', '/'), '/a')
  assert.equal(at('A.TEST:8080', '/x'), '/a', 'case and port do not matter')
  assert.equal(at('a.test', '/blog'), '/a-blog')
  assert.equal(at('a.test', '/blog?x=1'), '/a-blog')
  assert.equal(at('a.test', '/blog/post'), '/a-blog')
  assert.equal(at('a.test', '/blogger'), '/a', 'a base URI matches whole segments only')
  assert.equal(at('a.test', '/blog/admin/users'), '/a-blog-admin')
  assert.equal(at('x.wild.test', '/'), '/wild')
  assert.equal(at('deep.x.wild.test', '/'), '/wild')
  assert.equal(at('wild.test', '/'), '/default', '*.wild.test is subdomains only')
  assert.equal(at('other.test', '/'), '/default')
  assert.equal(at(undefined, '/'), '/default')
})

test('no app for a host: undefined; an app under a base URI only: nothing outside it', () => {
  const r = new Router()
  r.set([route('/a', ['a.test']), route('/b', [], '/b')])
  assert.equal(r.resolve('z.test', '/'), undefined)
  assert.equal(r.resolve('z.test', '/b/x')?.root, '/b')
})

test('one app at / for any host is found without looking; apps named by headers are not routed by host', () => {
  const r = new Router()
  r.set([route('/only', [])])
  assert.equal(r.resolve('anything', '/whatever')?.root, '/only')
  r.add(route('/adhoc', [], '/', true))
  assert.equal(r.resolve('anything', '/')?.root, '/only')
  assert.equal(r.byRoot('/adhoc')?.root, '/adhoc')
  r.remove('/only')
  assert.equal(r.resolve('anything', '/'), undefined)
})

test('helpers: host names, base URI prefixes, the path public/ sees', () => {
  assert.equal(hostName('[::1]:3000'), '[::1]')
  assert.equal(hostName('Example.COM'), 'example.com')
  assert.equal(underBase('/b', '/b'), true)
  assert.equal(underBase('/bb', '/b'), false)
  assert.equal(pathInApp('/b/style.css', '/b'), '/style.css')
  assert.equal(pathInApp('/b', '/b'), '/')
  assert.equal(pathInApp('/b?x', '/b'), '/?x')
  assert.equal(pathInApp('/x', '/'), '/x')
})
