// Reading the results of the HTTP caching test suite (http-tests/cache-tests, cache-tests.fyi) the way its own
// pages do. Its CLI prints one JSON object keyed by test id: `true` for a pass, else [error name, message], where
// the name is 'Assertion' (the cache did something the test forbids), 'Setup' (a step the test relies on went
// wrong; 'retry' as message when the cache retried a request) or another error (a timeout: the harness failed).
// A test's kind is 'required' (or none), 'optimal' or 'check'; only required tests count as conformance here, as
// on cache-tests.fyi, where a test whose `depends_on` tests did not pass is shown as a dependency failure.
// Pure functions only: the bench runs the suite, this file counts.

export interface SuiteTest {
  readonly id: string
  readonly name?: string
  readonly kind?: string
  readonly depends_on?: readonly string[]
  readonly browser_only?: boolean
}

export interface Suite { readonly id?: string, readonly name?: string, readonly tests: readonly SuiteTest[] }

export type TestResult = true | false | readonly [string, string]
export type Results = Readonly<Record<string, TestResult>>

/** What cache-tests.fyi would show for one test, in its words: pass, fail, dependency (⚪️), setup (🔹), … */
export type Outcome = 'pass' | 'fail' | 'dependency' | 'setup' | 'retry' | 'harness' | 'untested'
export const OUTCOMES: readonly Outcome[] = ['pass', 'fail', 'dependency', 'setup', 'retry', 'harness', 'untested']

/** Required tests a reverse proxy is run against: the suite's CLI skips browser-only ones. */
export function requiredTests (suites: readonly Suite[]): SuiteTest[] {
  return suites.flatMap(s => s.tests).filter(t => (t.kind ?? 'required') === 'required' && t.browser_only !== true)
}

/** The outcome of one test from its own result alone, dependencies not looked at. */
export function ownOutcome (result: TestResult | undefined): Outcome {
  if (result === undefined) return 'untested'
  if (result === true) return 'pass'
  if (result === false) return 'harness'
  if (result[0] === 'Setup') return result[1] === 'retry' ? 'retry' : 'setup'
  if (result[0] === 'Assertion') return 'fail'
  return 'harness' // AbortError (a request timed out), or an error inside the harness
}

/** The outcome as cache-tests.fyi shows it: a test whose dependencies did not all pass is a dependency failure. */
export function outcome (id: string, byId: ReadonlyMap<string, SuiteTest>, results: Results, seen: ReadonlySet<string> = new Set()): Outcome {
  const own = ownOutcome(results[id])
  if (own === 'untested') return own
  for (const dep of byId.get(id)?.depends_on ?? []) {
    if (seen.has(dep)) continue // a dependency cycle would be the suite's bug; do not loop on it
    if (outcome(dep, byId, results, new Set([...seen, id])) !== 'pass') return 'dependency'
  }
  return own
}

/**
 * A reuse the test forbade: the response came from the cache where the test required the origin to answer (a
 * stale, invalidated, uncacheable or other-variant response), or a stale response was not revalidated. The suite
 * tells a cached response by its missing or old request number, which an error page of the cache's own lacks too:
 * only a test whose dependencies passed (the premise holds) is counted, see tally().
 */
export function isUnsafeReuse (result: TestResult | undefined): boolean {
  if (result === undefined || typeof result === 'boolean') return false
  return /^Response \d+ comes from cache\b/.test(result[1]) || /^request \d+ wasn't sent to server$/i.test(result[1])
}

export interface Tally {
  readonly counts: Readonly<Record<Outcome, number>>
  /** Required tests with each outcome other than pass, by id. */
  readonly notPassed: Readonly<Partial<Record<Outcome, string[]>>>
  /** Required tests that failed (dependencies met) by an unsafe reuse. */
  readonly unsafeReuses: readonly string[]
}

export function tally (suites: readonly Suite[], results: Results): Tally {
  const byId = new Map(suites.flatMap(s => s.tests).map(t => [t.id, t]))
  const counts = Object.fromEntries(OUTCOMES.map(o => [o, 0])) as Record<Outcome, number>
  const notPassed: Partial<Record<Outcome, string[]>> = {}
  const unsafeReuses: string[] = []
  for (const t of requiredTests(suites)) {
    const o = outcome(t.id, byId, results)
    counts[o]++
    if (o !== 'pass') (notPassed[o] ??= []).push(t.id)
    if (o === 'fail' && isUnsafeReuse(results[t.id])) unsafeReuses.push(t.id)
  }
  return { counts, notPassed, unsafeReuses }
}

/** Setup, retry and harness failures together: the run, not the cache, is at fault (or cannot tell). */
export const harnessErrors = (c: Tally['counts']): number => c.setup + c.retry + c.harness
