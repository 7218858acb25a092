// A node:test reporter that lists the slowest test files and tests, to see where the suite's time goes:
//   node --test --test-reporter=spec --test-reporter-destination=stdout \
//        --test-reporter=./scripts/slowest-reporter.mjs --test-reporter-destination=slowest.txt FILES
const TOP = Number(process.env.FERRY_SLOWEST ?? 30)

export default async function * slowest (source) {
  const files = []
  const tests = []
  const perFile = new Map()
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const { name, nesting, file, details } = event.data
    const ms = details?.duration_ms ?? 0
    const where = file === undefined ? '?' : file.replace(/.*dist\/test\//, '')
    // A file's top-level tests run one after another, so their sum is about the file's time (less its start-up);
    // tests defined in a shared module (test/contracts) count under that module.
    if (nesting === 0) perFile.set(where, (perFile.get(where) ?? 0) + ms)
    tests.push({ what: `${where} > ${name}`, ms })
  }
  for (const [what, ms] of perFile) files.push({ what, ms })
  const by = (a, b) => b.ms - a.ms
  const fmt = r => `${(r.ms / 1000).toFixed(2).padStart(8)} s  ${r.what}`
  const total = files.reduce((s, r) => s + r.ms, 0)
  yield `slowest files (sum of all files: ${(total / 1000).toFixed(1)} s)\n${files.sort(by).slice(0, TOP).map(fmt).join('\n')}\n\n`
  yield `slowest tests\n${tests.sort(by).slice(0, TOP).map(fmt).join('\n')}\n\nall files\n${files.map(fmt).join('\n')}\n`
}
