import t from 'tap'
import { compileMetricFilter, DEFAULT_MAX_FILTER_GLOBS, parseMetricList } from '../../../server/core/metric-filter.js'

t.test('an empty list matches every metric with the key *', async (t) => {
  const filter = compileMetricFilter([])
  t.equal(filter.key, '*')
  t.ok(filter.matches('cpu.load'))
  t.ok(filter.matches(''))
})

t.test('blank globs are ignored, so a list of only blanks matches everything', async (t) => {
  const filter = compileMetricFilter(['', '  ', '\t'])
  t.equal(filter.key, '*')
  t.ok(filter.matches('anything.at.all'))
})

t.test('a * glob anywhere in the list makes the filter match everything', async (t) => {
  const filter = compileMetricFilter(['cpu.load', '*'])
  t.equal(filter.key, '*')
  t.ok(filter.matches('mem.rss'))
})

t.test('an exact name matches only that name', async (t) => {
  const filter = compileMetricFilter(['cpu.load'])
  t.equal(filter.key, 'cpu.load')
  t.ok(filter.matches('cpu.load'))
  t.notOk(filter.matches('cpu.load1'))
  t.notOk(filter.matches('xcpu.load'))
  t.notOk(filter.matches('cpu'))
})

t.test('a dot in a glob is literal, not a regexp wildcard', async (t) => {
  const filter = compileMetricFilter(['cpu.load'])
  t.notOk(filter.matches('cpuXload'))
})

t.test('* matches any run of characters, dots included, and the empty run', async (t) => {
  const filter = compileMetricFilter(['trade.*.price'])
  t.ok(filter.matches('trade.btc.price'))
  t.ok(filter.matches('trade.btc.usd.price'))
  t.ok(filter.matches('trade..price'))
  t.notOk(filter.matches('trade.btc.volume'))
  t.notOk(filter.matches('trade.price'))
})

t.test('a trailing * matches every name with that prefix', async (t) => {
  const filter = compileMetricFilter(['btc.*'])
  t.ok(filter.matches('btc.price'))
  t.ok(filter.matches('btc.'))
  t.notOk(filter.matches('btc'))
  t.notOk(filter.matches('eth.price'))
})

t.test('several globs match a metric that fits any one of them', async (t) => {
  const filter = compileMetricFilter(['btc.*', 'cpu.load'])
  t.ok(filter.matches('btc.price'))
  t.ok(filter.matches('cpu.load'))
  t.notOk(filter.matches('cpu.loadavg'))
  t.notOk(filter.matches('mem.rss'))
})

t.test('regexp metacharacters in a glob are matched literally', async (t) => {
  const filter = compileMetricFilter(['a+b?(c)[d]{1}^$|\\'])
  t.ok(filter.matches('a+b?(c)[d]{1}^$|\\'))
  t.notOk(filter.matches('aab'))
  t.notOk(filter.matches('ab'))
  t.notOk(filter.matches(''))
})

t.test('the alternation of two globs stays anchored at both ends', async (t) => {
  const filter = compileMetricFilter(['a', 'b'])
  t.notOk(filter.matches('ab'))
  t.notOk(filter.matches('xa'))
  t.notOk(filter.matches('bx'))
})

t.test('the key is trimmed, sorted and deduplicated, so equal filters have equal keys', async (t) => {
  const one = compileMetricFilter([' cpu.load', 'btc.*', 'cpu.load ', 'btc.*'])
  const two = compileMetricFilter(['btc.*', 'cpu.load'])
  t.equal(one.key, 'btc.*,cpu.load')
  t.equal(two.key, one.key)
  t.ok(one.matches('cpu.load'), 'a trimmed glob matches the name without spaces')
})

t.test('matching is case-sensitive', async (t) => {
  const filter = compileMetricFilter(['cpu.*'])
  t.notOk(filter.matches('CPU.load'))
})

t.test('parseMetricList gives no globs for a missing value', async (t) => {
  t.same(parseMetricList(undefined), [])
})

t.test('parseMetricList splits on commas and keeps blanks for the compiler to drop', async (t) => {
  t.same(parseMetricList('btc.*,cpu.load'), ['btc.*', 'cpu.load'])
  t.same(parseMetricList(''), [''])
  t.same(parseMetricList('a,,b'), ['a', '', 'b'])
})

t.test('parseMetricList then compileMetricFilter: an empty query value matches everything', async (t) => {
  t.equal(compileMetricFilter(parseMetricList('')).key, '*')
  t.equal(compileMetricFilter(parseMetricList(' , ')).key, '*')
})

t.test('a crafted pattern of many stars matches in bounded steps, not by regex backtracking', async (t) => {
  const filter = compileMetricFilter([`${'*a'.repeat(200)}*c`])
  const name = 'a'.repeat(199)
  t.equal(filter.matches(name), false)
  t.equal(filter.matches(`${'a'.repeat(199)}c`), false, 'needs 200 a before the c')
  t.equal(compileMetricFilter([`${'*a'.repeat(3)}*c`]).matches('xaxaxac'), true)
})

t.test('the parts between stars match in order and never overlap the ends', async (t) => {
  const filter = compileMetricFilter(['a*b*b'])
  t.notOk(filter.matches('ab'), 'the last b cannot serve twice')
  t.ok(filter.matches('abb'))
  t.ok(filter.matches('axbxb'))
  t.notOk(filter.matches('abxa'))
  t.notOk(compileMetricFilter(['a*a']).matches('a'), 'head and tail cannot share a character')
  t.ok(compileMetricFilter(['*ab*ab*']).matches('xabyabz'))
  t.notOk(compileMetricFilter(['*ab*ab*']).matches('aab'))
  t.ok(compileMetricFilter(['*b*a']).matches('bxba'), 'a later place of the tail counts')
})

t.test('runs of stars collapse, so equal filters share a key', async (t) => {
  t.equal(compileMetricFilter(['btc.**']).key, compileMetricFilter(['btc.*']).key)
  t.equal(compileMetricFilter(['**']).key, '*')
})

t.test('globCount counts distinct globs, and none for a filter that matches everything', async (t) => {
  t.equal(DEFAULT_MAX_FILTER_GLOBS, 400)
  t.equal(compileMetricFilter(['cpu.*', ' cpu.* ', 'cpu.**', 'mem.rss', '']).globCount, 2)
  t.equal(compileMetricFilter([]).globCount, 0)
  t.equal(compileMetricFilter(['cpu.*', '*']).globCount, 0)
})
