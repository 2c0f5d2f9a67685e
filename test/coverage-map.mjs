// tap's coverage map: which sources each test file's coverage counts for. The load tests run
// without coverage: they measure nothing other tests do not, and V8's counters slow them most.
const UNMEASURED = new Set([
  'test/e2e/fanout.test.ts',
  'test/e2e/flood.test.ts',
  'test/e2e/fuzz.test.ts',
  'test/e2e/reconnect-storm.test.ts'
])

/** Null turns coverage off for the file; an empty list leaves it on for every source. */
export default function coverageMap (testFile) {
  return UNMEASURED.has(testFile) ? null : []
}
