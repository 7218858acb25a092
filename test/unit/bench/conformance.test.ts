// The conformance bench's counting of the cache-tests suite's results (bench/lib/conformance.ts), on results
// written here in the shape the suite's CLI prints: nothing is downloaded or run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { harnessErrors, isUnsafeReuse, outcome, ownOutcome, requiredTests, tally, type Suite } from '../../../bench/lib/conformance.js'

const suites: Suite[] = [{
  tests: [
    { id: 'base' },
    { id: 'opt', kind: 'optimal' },
    { id: 'chk', kind: 'check' },
    { id: 'browser', browser_only: true },
    { id: 'needs-base', kind: 'required', depends_on: ['base'] },
    { id: 'needs-chk', depends_on: ['chk'] },
    { id: 'needs-needs-chk', depends_on: ['needs-chk'] },
    { id: 'invalidate', kind: 'required' },
    { id: 'revalidate' },
    { id: 'timed-out' },
    { id: 'retried' },
    { id: 'not-run' }
  ]
}]

test('required tests are those of kind required or none, browser-only ones left out', () => {
  assert.deepEqual(requiredTests(suites).map(t => t.id),
    ['base', 'needs-base', 'needs-chk', 'needs-needs-chk', 'invalidate', 'revalidate', 'timed-out', 'retried', 'not-run'])
})

test('a result of its own: pass, assertion, setup, retry, timeout', () => {
  assert.equal(ownOutcome(true), 'pass')
  assert.equal(ownOutcome(['Assertion', 'Response 2 comes from cache']), 'fail')
  assert.equal(ownOutcome(['Setup', 'Response 1 status is 502, not 200']), 'setup')
  assert.equal(ownOutcome(['Setup', 'retry']), 'retry')
  assert.equal(ownOutcome(['AbortError', 'This operation was aborted']), 'harness')
  assert.equal(ownOutcome(undefined), 'untested')
})

test('a test whose dependencies did not all pass (a check answered no, transitively) is a dependency failure', () => {
  const byId = new Map(suites[0].tests.map(t => [t.id, t]))
  const results = { base: true, chk: ['Assertion', 'Response 2 does not come from cache'], 'needs-base': true, 'needs-chk': true, 'needs-needs-chk': true } as const
  assert.equal(outcome('needs-base', byId, results), 'pass')
  assert.equal(outcome('needs-chk', byId, results), 'dependency')
  assert.equal(outcome('needs-needs-chk', byId, results), 'dependency')
  assert.equal(outcome('needs-base', byId, { ...results, base: ['Setup', 'x'] }), 'dependency')
})

test('unsafe reuse: answered from the cache where the origin was required, or not revalidated', () => {
  assert.equal(isUnsafeReuse(['Assertion', 'Response 3 comes from cache']), true)
  assert.equal(isUnsafeReuse(['Assertion', 'Response 2 comes from cache (1 on server)']), true)
  assert.equal(isUnsafeReuse(['Assertion', "request 2 wasn't sent to server"]), true)
  assert.equal(isUnsafeReuse(['Assertion', 'Response 2 does not come from cache']), false)
  assert.equal(isUnsafeReuse(['Assertion', 'Request 3 should have been conditional, but it was not.']), false)
  assert.equal(isUnsafeReuse(true), false)
})

test('the tally counts required tests once each, and unsafe reuses only where the premise held', () => {
  const t = tally(suites, {
    base: true,
    opt: ['Assertion', 'Response 2 does not come from cache'],
    chk: ['Assertion', 'Response 2 does not come from cache'],
    'needs-base': true,
    // The premise failed (the cache does not serve stale on a disconnect): its error page looks "from cache".
    'needs-chk': ['Assertion', 'Response 2 comes from cache'],
    'needs-needs-chk': true,
    invalidate: ['Assertion', 'Response 3 comes from cache'],
    revalidate: ['Assertion', 'Request 3 should have been conditional, but it was not.'],
    'timed-out': ['AbortError', 'This operation was aborted'],
    retried: ['Setup', 'retry']
  })
  assert.deepEqual(t.counts, { pass: 2, fail: 2, dependency: 2, setup: 0, retry: 1, harness: 1, untested: 1 })
  assert.equal(harnessErrors(t.counts), 2)
  assert.deepEqual(t.unsafeReuses, ['invalidate'])
  assert.deepEqual(t.notPassed.fail, ['invalidate', 'revalidate'])
  assert.deepEqual(t.notPassed.dependency, ['needs-chk', 'needs-needs-chk'])
})
