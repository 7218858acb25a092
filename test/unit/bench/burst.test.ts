// The collapsed-miss case's latency quantiles (bench/lib/burst.ts): nearest rank, so p99 of 100 samples is the
// 99th smallest, and one slow outlier in a hundred shows at p100 only.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { quantile } from '../../../bench/lib/burst.js'

test('nearest-rank quantiles of 100 samples, in any order', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i) // 100 … 1
  assert.equal(quantile(xs, 0.5), 50)
  assert.equal(quantile(xs, 0.99), 99)
  assert.equal(quantile(xs, 1), 100)
  assert.equal(quantile(xs, 0), 1)
})

test('a single sample is every quantile', () => {
  assert.equal(quantile([7], 0.5), 7)
  assert.equal(quantile([7], 0.99), 7)
})
