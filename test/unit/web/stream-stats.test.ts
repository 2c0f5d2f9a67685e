import t from 'tap'
import { DEFAULT_SPAN_MS, StreamStats } from '../../../web/src/stream-stats.js'

t.test('rate and median latency over the span', async (t) => {
  const stats = new StreamStats()
  t.equal(stats.spanMs, DEFAULT_SPAN_MS)
  t.equal(stats.latencyP50(0), undefined)
  t.equal(stats.rate(0), 0)
  for (let i = 0; i < 10; i++) stats.record(1000 + i * 100 - (i + 1) * 10, 1000 + i * 100)
  t.equal(stats.rate(2000), 2, '10 points over 5 s')
  t.equal(stats.latencyP50(2000), 55, 'the mean of the two middle latencies (50 and 60 ms)')
  stats.record(1900, 1950)
  t.equal(stats.latencyP50(2000), 50, 'an odd count takes the middle one')
  t.equal(stats.rate(6350), 7 / 5, 'samples older than the span are dropped')
  t.equal(stats.latencyP50(10_000), undefined)
})

t.test('samples are bounded', async (t) => {
  const stats = new StreamStats({ spanMs: 1000, maxSamples: 3 })
  for (let i = 0; i < 5; i++) stats.record(0, 100 + i)
  t.equal(stats.rate(200), 3)
  t.equal(stats.latencyP50(200), 103)
})
