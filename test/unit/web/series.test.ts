import t from 'tap'
import type { StoredEvent } from '../../../server/core/event.js'
import { DEFAULT_MAX_POINTS, DEFAULT_WINDOW_MS, Series } from '../../../web/src/series.js'

const T0 = 1_700_000_000_000
const point = (id: number, ts: number, value = id, tags?: Record<string, string>): StoredEvent =>
  tags === undefined ? { id, metric: 'm', value, ts } : { id, metric: 'm', value, ts, tags }

t.test('defaults to a five minute window and 2,000 points', async (t) => {
  const series = new Series()
  t.equal(series.windowMs, DEFAULT_WINDOW_MS)
  t.equal(series.windowMs, 300_000)
  t.equal(series.maxPoints, DEFAULT_MAX_POINTS)
  t.equal(series.lastId, -1)
  t.equal(series.latest, undefined)
  t.equal(series.change(), undefined)
})

t.test('append keeps points in order and ignores ids already seen', async (t) => {
  const series = new Series()
  t.ok(series.append(point(1, T0)))
  t.ok(series.append(point(2, T0 + 1000)))
  t.notOk(series.append(point(2, T0 + 1000)), 'duplicate id')
  t.notOk(series.append(point(1, T0 + 2000)), 'older id from a replay')
  t.same(series.points, [{ x: T0, y: 1 }, { x: T0 + 1000, y: 2 }])
  t.equal(series.lastId, 2)
})

t.test('merge fills history in behind live points without duplicates', async (t) => {
  const series = new Series()
  series.append(point(10, T0 + 10_000))
  series.append(point(11, T0 + 11_000))
  const history = [8, 9, 10, 11, 12].map((id) => point(id, T0 + id * 1000))
  t.ok(series.merge(history))
  t.same(series.points.map((p) => p.x), [8, 9, 10, 11, 12].map((id) => T0 + id * 1000))
  t.equal(series.lastId, 12)
  t.notOk(series.merge(history), 'merging the same history again changes nothing')
  t.notOk(series.append(point(12, T0 + 12_000)), 'the live copy of a backfilled point is ignored')
})

t.test('merge orders by timestamp, then id, whatever the input order', async (t) => {
  const series = new Series()
  series.merge([point(3, T0 + 3000), point(1, T0 + 1000), point(4, T0 + 1000), point(2, T0 + 2000)])
  t.same(series.points.map((p) => p.y), [1, 4, 2, 3])
  t.equal(series.latest?.id, 4, 'latest is the highest id, not the newest timestamp')
})

t.test('trim drops points that left the window and keeps the latest value', async (t) => {
  const series = new Series({ windowMs: 10_000 })
  for (let i = 0; i < 5; i++) series.append(point(i + 1, T0 + i * 1000))
  t.notOk(series.trim(T0 + 10_000), 'nothing is older than the window yet')
  t.ok(series.trim(T0 + 12_500))
  t.same(series.points.map((p) => p.x), [T0 + 3000, T0 + 4000])
  t.ok(series.trim(T0 + 60_000))
  t.same(series.points, [])
  t.equal(series.latest?.value, 5, 'the card still shows the last value')
  t.ok(series.append(point(6, T0 + 60_000)), 'new ids still go in after the window emptied')
})

t.test('a point older than the window is dropped as it arrives', async (t) => {
  const series = new Series({ windowMs: 10_000 })
  series.append(point(1, T0 + 60_000))
  series.merge([point(0, T0)])
  t.same(series.points.map((p) => p.x), [T0 + 60_000])
})

t.test('memory stays flat: the older half is thinned beyond maxPoints', async (t) => {
  const series = new Series({ windowMs: 1e12, maxPoints: 100 })
  for (let i = 1; i <= 10_000; i++) series.append(point(i, T0 + i))
  t.ok(series.points.length <= 100, `holds ${series.points.length} points`)
  t.ok(series.points.length >= 50)
  t.equal(series.points[0]?.x, T0 + 1, 'the oldest point survives, so the window keeps its start')
  t.equal(series.points.at(-1)?.x, T0 + 10_000, 'the newest point survives')
  const xs = series.points.map((p) => p.x)
  t.same(xs, [...xs].sort((a, b) => a - b), 'still sorted')
  const recent = xs.slice(-25)
  t.same(recent, recent.map((_, i) => T0 + 10_000 - 24 + i), 'recent points stay at full resolution')
})

t.test('thinned ids are forgotten, and maxPoints has a floor of 4', async (t) => {
  const series = new Series({ windowMs: 1e12, maxPoints: 1 })
  t.equal(series.maxPoints, 4)
  series.merge([1, 2, 3, 4, 5].map((id) => point(id, T0 + id)))
  t.ok(series.points.length <= 4)
  t.ok(series.merge([point(2, T0 + 2)]), 'a thinned point can be merged back')
})

t.test('change compares the first point in the window with the latest value', async (t) => {
  const series = new Series()
  series.append(point(1, T0, 200))
  t.equal(series.change(), undefined, 'one point has no change')
  series.append(point(2, T0 + 1000, 150))
  series.append(point(3, T0 + 2000, 250))
  t.same(series.change(), { delta: 50, percent: 25, direction: 'up' })
})

t.test('tags come from the latest point', async (t) => {
  const series = new Series()
  t.equal(series.tags, undefined)
  series.append(point(1, T0, 1, { host: 'a' }))
  series.append(point(2, T0 + 1, 1, { host: 'b' }))
  t.same(series.tags, { host: 'b' })
})

t.test('history fills in behind the catalog point and never moves the last id', async (t) => {
  const series = new Series()
  t.ok(series.merge([point(50, T0 + 60_000, 9)]), 'the catalog\'s latest point')
  t.ok(series.setHistory([{ x: T0 + 3000, y: 3 }, { x: T0 + 1000, y: 1 }, { x: T0 + 60_000, y: 8 }, { x: T0 + 2000, y: 2 }]))
  t.same(series.points, [
    { x: T0 + 1000, y: 1 }, { x: T0 + 2000, y: 2 }, { x: T0 + 3000, y: 3 },
    { x: T0 + 60_000, y: 8 }, { x: T0 + 60_000, y: 9 }
  ], 'sorted by time; at equal times history goes first')
  t.equal(series.lastId, 50)
  t.equal(series.latest?.value, 9, 'the value shown is the catalog\'s, not the last bucket\'s')
  t.same(series.change(), { delta: 8, percent: 800, direction: 'up' }, 'change runs from the oldest bucket')
  t.notOk(series.append(point(49, T0 + 61_000)), 'a live point the catalog already covered is ignored')
  t.notOk(series.append(point(50, T0 + 61_000)))
  t.ok(series.append(point(51, T0 + 61_000, 10)), 'a newer live point goes on the end')
  t.same(series.points.at(-1), { x: T0 + 61_000, y: 10 })
  t.equal(series.lastId, 51)
})

t.test('history replaces earlier history and keeps every point with an id', async (t) => {
  const series = new Series()
  series.append(point(1, T0 + 2000, 20))
  series.append(point(2, T0 + 5000, 50))
  series.setHistory([{ x: T0 + 1000, y: 10 }, { x: T0 + 3000, y: 30 }])
  t.same(series.points.map((p) => p.y), [10, 20, 30, 50])
  t.ok(series.setHistory([{ x: T0 + 4000, y: 40 }, { x: T0 + 6000, y: 60 }]))
  t.same(series.points.map((p) => p.y), [20, 40, 50, 60], 'the old history is gone, the events stay')
  t.ok(series.setHistory([]), 'an empty history clears the old one')
  t.same(series.points.map((p) => p.y), [20, 50])
  t.notOk(series.setHistory([]), 'nothing to clear, nothing to add')
  t.notOk(new Series().setHistory([]))
  series.setHistory([{ x: T0 + 3000, y: 30 }])
  t.ok(series.merge([point(3, T0 + 3000, 31), point(0, T0 + 1000, 1)]), 'events merge in among history points')
  t.same(series.points.map((p) => p.y), [1, 20, 30, 31, 50])
})

t.test('history is bounded like any point: trimmed by the window, thinned beyond maxPoints', async (t) => {
  const series = new Series({ windowMs: 10_000, maxPoints: 100 })
  series.append(point(1, T0 + 100_000))
  series.setHistory(Array.from({ length: 1000 }, (_, i) => ({ x: T0 + 100_000 - 9990 + i * 10, y: i })))
  t.ok(series.points.length <= 100, `holds ${series.points.length} points`)
  t.equal(series.points[0]?.x, T0 + 100_000 - 9990, 'the oldest history point in the window survives')
  t.same(series.points.at(-1), { x: T0 + 100_000, y: 1 }, 'the event survives')
  series.setHistory([{ x: T0, y: 0 }])
  t.same(series.points, [{ x: T0 + 100_000, y: 1 }], 'history older than the window is dropped as it arrives')
  t.ok(series.trim(T0 + 200_000))
  t.same(series.points, [])
})

t.test('stats gives min, max and mean of the points in the window', async (t) => {
  const series = new Series({ windowMs: 1000 })
  t.equal(series.stats(), undefined)
  series.append({ id: 1, metric: 'm', value: 4, ts: 100 })
  series.append({ id: 2, metric: 'm', value: -2, ts: 200 })
  series.append({ id: 3, metric: 'm', value: 7, ts: 300 })
  t.same(series.stats(), { min: -2, max: 7, avg: 3 })
})

t.test('history covering events up to its end replaces them, so nothing is counted twice', async (t) => {
  const series = new Series({ windowMs: 10_000 })
  series.merge([{ id: 7, metric: 'm', value: 4, ts: 1000 }])
  series.append({ id: 8, metric: 'm', value: 5, ts: 3000 })
  t.ok(series.setHistory([{ x: 500, y: 1 }, { x: 1500, y: 4 }], 1500))
  t.same(series.points, [{ x: 500, y: 1 }, { x: 1500, y: 4 }, { x: 3000, y: 5 }], 'the event at 1000 is in the buckets')
  t.equal(series.latest?.id, 8)
  t.notOk(series.append({ id: 7, metric: 'm', value: 4, ts: 1000 }), 'a replayed id stays seen')
  t.ok(series.merge([{ id: 7, metric: 'm', value: 4, ts: 1000 }]), 'a backfill may bring it back')
})
