import t from 'tap'
import type { HistoryBucket, MetricBuckets } from '../../../server/core/event.js'
import { CandleSeries, DEFAULT_CANDLE_MS, DEFAULT_MAX_CANDLES } from '../../../web/src/candles.js'

const bucket = (t: number, first: number, min: number, max: number, last: number): HistoryBucket =>
  ({ t, first, min, max, last, avg: (min + max) / 2, count: 2 })
const history = (buckets: HistoryBucket[], bucketMs: number, toMs: number): MetricBuckets =>
  ({ metric: 'btc.usd', fromMs: 0, toMs, bucketMs, buckets })

t.test('defaults', async (t) => {
  const series = new CandleSeries()
  t.equal(series.intervalMs, DEFAULT_CANDLE_MS)
  t.equal(series.maxCandles, DEFAULT_MAX_CANDLES)
})

t.test('live points make candles on multiples of the interval', async (t) => {
  const series = new CandleSeries({ intervalMs: 1000 })
  t.ok(series.add(1200, 10))
  t.ok(series.add(1500, 14))
  t.ok(series.add(1700, 8))
  t.ok(series.add(1900, 11))
  t.ok(series.add(2100, 12))
  t.same(series.candles, [{ x: 1000, o: 10, h: 14, l: 8, c: 11 }, { x: 2000, o: 12, h: 12, l: 12, c: 12 }])
  t.ok(series.add(2050, 20), 'a late point in the last candle moves its high')
  t.same(series.candles[1], { x: 2000, o: 12, h: 20, l: 12, c: 12 }, 'but not its close')
  t.notOk(series.add(1950, 1), 'a point for an older candle is dropped')
  t.equal(series.candles[0]?.l, 8)
})

t.test('buckets merge into the candles they fall in; live points go on from the last', async (t) => {
  const series = new CandleSeries({ intervalMs: 10_000 })
  // Buckets 4 s wide starting at 1000: [1000, 5000), [5000, 9000), [9000, 13000), [13000, 17000).
  series.setHistory(history([bucket(1000, 5, 4, 9, 6), bucket(5000, 6, 2, 7, 3), bucket(9000, 3, 3, 12, 11), bucket(13_000, 11, 10, 13, 12)], 4000, 15_000))
  t.same(series.candles, [{ x: 0, o: 5, h: 12, l: 2, c: 11 }, { x: 10_000, o: 11, h: 13, l: 10, c: 12 }])
  series.add(15_500, 14)
  t.same(series.candles[1], { x: 10_000, o: 11, h: 14, l: 10, c: 14 }, 'a point after the history end closes the last candle')
  series.setHistory(history([bucket(0, 1, 1, 1, 1)], 1000, 999))
  t.same(series.candles, [{ x: 0, o: 1, h: 1, l: 1, c: 1 }], 'new history replaces the candles')
})

t.test('candles are bounded and trimmed to the window', async (t) => {
  const series = new CandleSeries({ intervalMs: 1000, maxCandles: 3 })
  for (let i = 0; i < 10; i++) series.add(i * 1000, i)
  t.same(series.candles.map((c) => c.x), [7000, 8000, 9000])
  series.trim(8500)
  t.same(series.candles.map((c) => c.x), [8000, 9000], 'a candle ending after the window start stays')
  series.trim(8000)
  t.equal(series.candles.length, 2, 'nothing to trim')
})
