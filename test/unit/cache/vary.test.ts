import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseVary, varySelector, VARY_ANY } from '../../../src/core/cache/vary.js'

test('parseVary', () => {
  assert.equal(parseVary(undefined), undefined)
  assert.equal(parseVary(''), undefined)
  assert.equal(parseVary('*'), VARY_ANY)
  assert.equal(parseVary('accept, *'), VARY_ANY)
  assert.deepEqual(parseVary('Accept-Language,  ACCEPT'), ['accept-language', 'accept'])
  assert.deepEqual(parseVary(['a', 'B', 'A']), ['a', 'b'])
})

test('varySelector: values whitespace-normalised, absent distinct from empty, names in order', () => {
  const sel = (h: Record<string, string | string[] | undefined>): string => varySelector(['accept-language', 'accept-encoding'], h)
  assert.equal(sel({ 'accept-language': 'fr', 'accept-encoding': 'gzip' }), sel({ 'accept-language': ' fr ', 'accept-encoding': 'gzip' }))
  assert.equal(sel({ 'accept-language': 'fr,  en;q=0.5', 'accept-encoding': 'gzip' }), sel({ 'accept-language': 'fr , en;q=0.5', 'accept-encoding': 'gzip' }))
  assert.equal(sel({ 'accept-language': 'fr, en', 'accept-encoding': 'gzip' }), sel({ 'accept-language': ['fr', 'en'], 'accept-encoding': 'gzip' }))
  // Inside a value, whitespace is the app's to read (a UA sniffer's match): kept.
  assert.notEqual(sel({ 'accept-language': 'a\t b' }), sel({ 'accept-language': 'a b' }))
  assert.notEqual(sel({ 'accept-language': 'a  b' }), sel({ 'accept-language': 'a b' }))
  const distinct = [
    sel({}), sel({ 'accept-language': '' }), sel({ 'accept-encoding': '' }), sel({ 'accept-language': '', 'accept-encoding': '' }),
    sel({ 'accept-language': 'fr' }), sel({ 'accept-language': 'FR' }), sel({ 'accept-language': 'fr', 'accept-encoding': 'gzip' }),
    sel({ 'accept-encoding': 'fr' }), sel({ 'accept-language': 'f r' }), sel({ 'accept-language': 'fr\n=x' })
  ]
  assert.equal(new Set(distinct).size, distinct.length)
})
