import t from 'tap'
import type { MetricPoint } from '../../../server/core/event.js'
import { DEFAULT_MAX_METRICS, DEFAULT_WINDOW_SIZE, MemoryEventLog } from '../../../server/log/memory-event-log.js'

function point (metric: string, value: number, ts = 1000): MetricPoint {
  return { metric, value, ts }
}

/** Appends `count` points named m<id>-ish with value = index, one call per point. */
async function fill (log: MemoryEventLog, count: number, metric = 'm'): Promise<void> {
  for (let i = 0; i < count; i++) await log.append([point(metric, i, 1000 + i)])
}

t.test('the defaults are a 100,000 point window and 10,000 metrics', async (t) => {
  t.equal(DEFAULT_WINDOW_SIZE, 100_000)
  t.equal(DEFAULT_MAX_METRICS, 10_000)
  const log = new MemoryEventLog()
  await fill(log, 3)
  t.equal(log.oldestId(), 1)
  t.equal(log.latestId(), 3)
})

t.test('an empty log has latestId 0 and oldestId 1', async (t) => {
  const log = new MemoryEventLog({ windowSize: 4 })
  t.equal(log.latestId(), 0)
  t.equal(log.oldestId(), 1)
  t.same(await log.readAfter(0, 10), [])
  t.same(log.catalog(), [])
})

t.test('append gives consecutive ids from firstId, in order, across calls', async (t) => {
  const log = new MemoryEventLog({ windowSize: 10, firstId: 500 })
  t.equal(log.latestId(), 499)
  t.equal(log.oldestId(), 500)
  const first = await log.append([point('a', 1), point('b', 2)])
  const second = await log.append([point('c', 3)])
  t.same(first.map((e) => e.id), [500, 501])
  t.same(second.map((e) => e.id), [502])
  t.equal(log.latestId(), 502)
  t.equal(log.oldestId(), 500)
})

t.test('appending nothing stores nothing and gives no ids', async (t) => {
  const log = new MemoryEventLog({ windowSize: 4 })
  t.same(await log.append([]), [])
  t.equal(log.latestId(), 0)
})

t.test('stored events have JSON keys in the order id, metric, value, ts, tags', async (t) => {
  const log = new MemoryEventLog({ windowSize: 4 })
  const [plain, tagged] = await log.append([
    { ts: 5, value: 1.5, metric: 'cpu' },
    { tags: { host: 'a' }, ts: 6, value: 2, metric: 'cpu' }
  ])
  t.equal(JSON.stringify(plain), '{"id":1,"metric":"cpu","value":1.5,"ts":5}')
  t.equal(JSON.stringify(tagged), '{"id":2,"metric":"cpu","value":2,"ts":6,"tags":{"host":"a"}}')
  t.notOk(plain !== undefined && 'tags' in plain, 'a point without tags has no tags key at all')
})

t.test('extra properties of an input point are not stored', async (t) => {
  const log = new MemoryEventLog({ windowSize: 4 })
  const input = { metric: 'cpu', value: 1, ts: 2, extra: 'x' }
  const [stored] = await log.append([input])
  t.equal(JSON.stringify(stored), '{"id":1,"metric":"cpu","value":1,"ts":2}')
})

t.test('readAfter returns events above the id, ascending, up to limit', async (t) => {
  const log = new MemoryEventLog({ windowSize: 10 })
  await fill(log, 6)
  t.same((await log.readAfter(0, 100)).map((e) => e.id), [1, 2, 3, 4, 5, 6])
  t.same((await log.readAfter(2, 3)).map((e) => e.id), [3, 4, 5])
  t.same((await log.readAfter(5, 10)).map((e) => e.id), [6])
  t.same(await log.readAfter(6, 10), [], 'nothing after the newest id')
  t.same(await log.readAfter(60, 10), [], 'nothing after an id in the future')
  t.same(await log.readAfter(0, 0), [], 'a limit of 0 reads nothing')
})

t.test('readAfter returns the stored events themselves', async (t) => {
  const log = new MemoryEventLog({ windowSize: 10 })
  const stored = await log.append([point('a', 1, 10), { metric: 'b', value: 2, ts: 20, tags: { k: 'v' } }])
  t.same(await log.readAfter(0, 10), stored)
})

t.test('the ring keeps the newest windowSize points after wrapping', async (t) => {
  const log = new MemoryEventLog({ windowSize: 4 })
  await fill(log, 10)
  t.equal(log.latestId(), 10)
  t.equal(log.oldestId(), 7)
  const events = await log.readAfter(0, 100)
  t.same(events.map((e) => e.id), [7, 8, 9, 10], 'an id older than the window starts at the oldest kept')
  t.same(events.map((e) => e.value), [6, 7, 8, 9], 'each slot holds the point of its id, not an overwritten one')
  t.same((await log.readAfter(8, 100)).map((e) => e.id), [9, 10])
  t.same((await log.readAfter(6, 2)).map((e) => e.id), [7, 8])
})

t.test('oldestId stays at firstId until the window is full, then moves by one per point', async (t) => {
  const log = new MemoryEventLog({ windowSize: 3, firstId: 10 })
  await fill(log, 3)
  t.equal(log.oldestId(), 10)
  await fill(log, 1)
  t.equal(log.oldestId(), 11)
  t.equal(log.latestId(), 13)
})

t.test('one append larger than the window keeps only its newest points', async (t) => {
  const log = new MemoryEventLog({ windowSize: 3 })
  const stored = await log.append([1, 2, 3, 4, 5].map((v) => point('m', v)))
  t.same(stored.map((e) => e.id), [1, 2, 3, 4, 5], 'every point still gets an id')
  t.same((await log.readAfter(0, 10)).map((e) => e.value), [3, 4, 5])
})

t.test('catalog lists each metric once with its last point and count, sorted by name', async (t) => {
  const log = new MemoryEventLog({ windowSize: 10 })
  await log.append([
    point('mem.rss', 100, 1),
    point('cpu.load', 0.5, 2),
    { metric: 'cpu.load', value: 0.7, ts: 3, tags: { host: 'a' } },
    point('b', 9, 4)
  ])
  t.same(log.catalog(), [
    { metric: 'b', value: 9, ts: 4, id: 4, count: 1 },
    { metric: 'cpu.load', value: 0.7, ts: 3, id: 3, count: 2, tags: { host: 'a' } },
    { metric: 'mem.rss', value: 100, ts: 1, id: 1, count: 1 }
  ])
})

t.test('a catalog entry drops tags when the newest point has none', async (t) => {
  const log = new MemoryEventLog({ windowSize: 10 })
  await log.append([{ metric: 'x', value: 1, ts: 1, tags: { a: 'b' } }, point('x', 2, 2)])
  const [entry] = log.catalog()
  t.equal(JSON.stringify(entry), '{"metric":"x","value":2,"ts":2,"id":2,"count":2}')
})

t.test('catalog counts outlive the window', async (t) => {
  const log = new MemoryEventLog({ windowSize: 2 })
  await fill(log, 5, 'x')
  t.equal(log.catalog()[0]?.count, 5)
})

t.test('past maxMetrics the catalog drops the metric updated least recently', async (t) => {
  const log = new MemoryEventLog({ windowSize: 100, maxMetrics: 3 })
  await log.append([point('a', 1), point('b', 1), point('c', 1)])
  await log.append([point('a', 2)]) // a is now the most recently updated; b is the least
  await log.append([point('d', 1)])
  t.same(log.catalog().map((e) => e.metric), ['a', 'c', 'd'])
  t.equal(log.catalog()[0]?.count, 2)
  await log.append([point('e', 1)])
  t.same(log.catalog().map((e) => e.metric), ['a', 'd', 'e'])
})

t.test('a metric evicted from the catalog starts counting again when it returns', async (t) => {
  const log = new MemoryEventLog({ windowSize: 100, maxMetrics: 1 })
  await log.append([point('a', 1), point('a', 2), point('b', 1), point('a', 3)])
  t.same(log.catalog(), [{ metric: 'a', value: 3, ts: 1000, id: 4, count: 1 }])
})

t.test('history is undefined for a metric the catalog does not know', async (t) => {
  const log = new MemoryEventLog({ windowSize: 10 })
  await log.append([point('a', 1)])
  t.equal(await log.history('nope', { fromMs: 0, toMs: Infinity, limit: 10 }), undefined)
})

t.test('history returns only the named metric, oldest first', async (t) => {
  const log = new MemoryEventLog({ windowSize: 20 })
  await log.append([point('a', 1, 10), point('b', 2, 11), point('a', 3, 12), point('ab', 4, 13), point('a', 5, 14)])
  const points = await log.history('a', { fromMs: 0, toMs: 100, limit: 10 })
  t.same(points?.map((e) => [e.id, e.value]), [[1, 1], [3, 3], [5, 5]])
})

t.test('history bounds are inclusive at both ends', async (t) => {
  const log = new MemoryEventLog({ windowSize: 20 })
  await log.append([10, 20, 30, 40, 50].map((ts) => point('a', ts, ts)))
  const points = await log.history('a', { fromMs: 20, toMs: 40, limit: 10 })
  t.same(points?.map((e) => e.ts), [20, 30, 40])
})

t.test('history keeps the newest limit points, still oldest first', async (t) => {
  const log = new MemoryEventLog({ windowSize: 20 })
  await log.append([10, 20, 30, 40, 50].map((ts) => point('a', ts, ts)))
  await log.append([point('b', 0, 60)])
  const points = await log.history('a', { fromMs: 0, toMs: 100, limit: 2 })
  t.same(points?.map((e) => e.ts), [40, 50])
})

t.test('history applies the limit after the time range', async (t) => {
  const log = new MemoryEventLog({ windowSize: 20 })
  await log.append([10, 20, 30, 40, 50].map((ts) => point('a', ts, ts)))
  const points = await log.history('a', { fromMs: 0, toMs: 30, limit: 2 })
  t.same(points?.map((e) => e.ts), [20, 30])
})

t.test('history sees only the window, and a known metric with nothing in range gives an empty list', async (t) => {
  const log = new MemoryEventLog({ windowSize: 3 })
  await log.append([point('a', 1, 1), point('a', 2, 2), point('b', 3, 3), point('b', 4, 4), point('b', 5, 5)])
  t.same(await log.history('a', { fromMs: 0, toMs: 100, limit: 10 }), [])
  t.same((await log.history('b', { fromMs: 0, toMs: 100, limit: 10 }))?.map((e) => e.id), [3, 4, 5])
  t.same(await log.history('b', { fromMs: 50, toMs: 100, limit: 10 }), [])
})

t.test('history with a limit of 0 is empty', async (t) => {
  const log = new MemoryEventLog({ windowSize: 3 })
  await log.append([point('a', 1, 1)])
  t.same(await log.history('a', { fromMs: 0, toMs: 100, limit: 0 }), [])
})

t.test('close forgets the window but keeps ids growing', async (t) => {
  const log = new MemoryEventLog({ windowSize: 4 })
  await fill(log, 3)
  await log.close()
  t.equal(log.latestId(), 3)
  t.equal(log.oldestId(), 4, 'nothing retained: oldestId is latestId + 1')
  t.same(await log.readAfter(0, 10), [])
  t.same(await log.history('m', { fromMs: 0, toMs: Infinity, limit: 10 }), [])
  const [next] = await log.append([point('m', 9)])
  t.equal(next?.id, 4)
})
