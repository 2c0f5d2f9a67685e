import t from 'tap'
import { compileGlobs, parseMetricsParam } from '../../../web/src/metrics-param.js'

t.test('parseMetricsParam reads comma-separated globs from ?metrics=', async (t) => {
  t.same(parseMetricsParam('?metrics=btc.*,%20cpu.load,,').globs, ['btc.*', 'cpu.load'])
  t.same(parseMetricsParam('?other=1').globs, [])
  t.same(parseMetricsParam('').globs, [])
})

t.test('parseMetricsParam compiles the globs it read', async (t) => {
  const { matches } = parseMetricsParam('?metrics=btc.*')
  t.ok(matches('btc.usd'))
  t.notOk(matches('eth.usd'))
  t.ok(parseMetricsParam('').matches('anything'), 'no parameter shows every metric')
})

t.test('compileGlobs matches whole names, with * across dots', async (t) => {
  const matches = compileGlobs(['btc.*', 'cpu.load'])
  t.ok(matches('btc.usd'))
  t.ok(matches('btc.usd.bid'))
  t.ok(matches('cpu.load'))
  t.notOk(matches('cpu.loadavg'))
  t.notOk(matches('xbtc.usd'))
  t.notOk(compileGlobs(['a.b'])('axb'), 'dots are literal')
})

t.test('no globs, or *, match everything', async (t) => {
  t.ok(compileGlobs([])('anything'))
  t.ok(compileGlobs(['x', '*'])('anything'))
})
