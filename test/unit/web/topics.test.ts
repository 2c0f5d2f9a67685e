import t from 'tap'
import { compileGlobs, parseTopics } from '../../../web/src/topics.js'

t.test('parseTopics reads comma-separated globs from ?metrics=', async (t) => {
  t.same(parseTopics('?metrics=btc.*,%20cpu.load,,'), ['btc.*', 'cpu.load'])
  t.same(parseTopics('?other=1'), [])
  t.same(parseTopics(''), [])
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
