import Database from 'better-sqlite3'
import t, { type Test } from 'tap'
import type { HistoryBucket, MetricPoint, StoredEvent } from '../../../../server/core/event.js'
import { DEFAULT_MAX_HISTORY_POINTS } from '../../../../server/log/event-log.js'
import { prepareReads } from '../../../../server/log/sqlite/read-queries.js'
import { SqliteWriter } from '../../../../server/log/sqlite/sqlite-writer.js'

type Run = ReturnType<typeof prepareReads>

/**
 * Stores `batches` through a real SqliteWriter in a test dir, then prepares
 * the reads on a second, read-only connection, as a reader thread does.
 */
async function store (t: Test, batches: readonly MetricPoint[][]): Promise<{ run: Run, events: StoredEvent[] }> {
  const log = SqliteWriter.open({ dataDir: t.testdir() })
  t.teardown(() => log.close())
  const events: StoredEvent[] = []
  for (const points of batches) events.push(...await log.append(points))
  const db = new Database(log.path, { readonly: true, fileMustExist: true })
  t.teardown(() => db.close())
  return { run: prepareReads(db), events }
}

function p (metric: string, value: number, ts: number): MetricPoint {
  return { metric, value, ts }
}

/** Buckets computed here from the raw events, as the SQL is meant to compute them. */
function expectedBuckets (events: readonly StoredEvent[], metric: string, fromMs: number, toMs: number, bucketMs: number): HistoryBucket[] {
  const groups = new Map<number, StoredEvent[]>()
  for (const e of events) {
    if (e.metric !== metric || e.ts < fromMs || e.ts > toMs) continue
    const k = Math.floor((e.ts - fromMs) / bucketMs)
    groups.set(k, [...(groups.get(k) ?? []), e])
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([k, group]) => {
    const values = group.map((e) => e.value)
    const latest = group.reduce((a, b) => (b.ts > a.ts || (b.ts === a.ts && b.id > a.id) ? b : a))
    const earliest = group.reduce((a, b) => (b.ts < a.ts || (b.ts === a.ts && b.id < a.id) ? b : a))
    return {
      t: fromMs + k * bucketMs,
      min: Math.min(...values),
      max: Math.max(...values),
      avg: values.reduce((sum, v) => sum + v, 0) / values.length,
      first: earliest.value,
      last: latest.value,
      count: values.length
    }
  })
}

// Values are integers and halves, so every sum is exact and avg matches to the bit.
const SERIES: MetricPoint[][] = [
  // Bucket [1000, 1100): appended out of ts order, so the latest by ts is not the latest by id.
  [p('cpu', 5, 1000), p('cpu', 9, 1099), p('mem', 1e6, 1050)],
  [p('cpu', 1, 1050), p('cpu', -1e6, 999), p('cpu', 1e6, 1400)],
  // Bucket [1100, 1200): 1100 sits on the boundary; three points share ts 1180.
  [p('cpu', 4, 1100), p('cpu', 7, 1180), p('cpu', 2.5, 1150)],
  [p('cpu', 3, 1180), p('mem', -1e6, 1180)],
  [p('cpu', 6.5, 1180), p('cpu', 0.5, 1120)],
  // Bucket [1200, 1300) stays empty; [1300, 1400) has both range ends' neighbours.
  [p('cpu', -2, 1300), p('cpu', 8, 1399)]
]

t.test('buckets match figures computed from the raw points', async (t) => {
  const { run, events } = await store(t, SERIES)
  const query = { metric: 'cpu', fromMs: 1000, toMs: 1399, bucketMs: 100 }
  const buckets = run({ op: 'buckets', ...query })
  t.same(buckets, expectedBuckets(events, 'cpu', 1000, 1399, 100))
  t.equal(JSON.stringify(buckets), JSON.stringify([
    { t: 1000, min: 1, max: 9, avg: 5, first: 5, last: 9, count: 3 },
    { t: 1100, min: 0.5, max: 7, avg: 23.5 / 6, first: 4, last: 6.5, count: 6 },
    { t: 1300, min: -2, max: 8, avg: 3, first: -2, last: 8, count: 2 }
  ]), 'exact figures, keys in wire order, empty buckets left out, ascending')
})

t.test('both ends of the range are inclusive and points just outside are left out', async (t) => {
  const { run, events } = await store(t, SERIES)
  const buckets = run({ op: 'buckets', metric: 'cpu', fromMs: 1000, toMs: 1400, bucketMs: 1000 })
  t.same(buckets, expectedBuckets(events, 'cpu', 1000, 1400, 1000))
  t.equal(buckets.length, 1)
  t.equal(buckets[0]?.count, 12, 'ts 1000 and ts 1400 counted, ts 999 not')
  t.equal(buckets[0]?.min, -2)
  t.equal(buckets[0]?.max, 1e6)
  t.equal(buckets[0]?.last, 1e6, 'the point at toMs is the latest')
  const inner = run({ op: 'buckets', metric: 'cpu', fromMs: 1001, toMs: 1398, bucketMs: 1000 })
  t.same(inner, expectedBuckets(events, 'cpu', 1001, 1398, 1000))
  t.equal(inner[0]?.count, 9, 'ts 1000 and ts 1399 now fall outside')
})

t.test('a point exactly on a bucket boundary goes to the later bucket', async (t) => {
  const { run } = await store(t, [[p('m', 1, 99), p('m', 2, 100), p('m', 3, 199), p('m', 4, 200)]])
  t.same(run({ op: 'buckets', metric: 'm', fromMs: 0, toMs: 1000, bucketMs: 100 }), [
    { t: 0, min: 1, max: 1, avg: 1, first: 1, last: 1, count: 1 },
    { t: 100, min: 2, max: 3, avg: 2.5, first: 2, last: 3, count: 2 },
    { t: 200, min: 4, max: 4, avg: 4, first: 4, last: 4, count: 1 }
  ])
})

t.test('buckets start at fromMs, not at a multiple of bucketMs', async (t) => {
  const { run, events } = await store(t, SERIES)
  for (const [fromMs, bucketMs] of [[1005, 100], [950, 33], [1099, 1], [1180, 7]] as const) {
    const toMs = 1399
    const buckets = run({ op: 'buckets', metric: 'cpu', fromMs, toMs, bucketMs })
    t.same(buckets, expectedBuckets(events, 'cpu', fromMs, toMs, bucketMs), `from ${fromMs}, width ${bucketMs}`)
    t.ok(buckets.every((b) => (b.t - fromMs) % bucketMs === 0 && b.t >= fromMs && b.t <= toMs), 'every t is on the grid')
  }
})

t.test('ties in ts within a bucket take the point with the greatest id as last, the lowest as first', async (t) => {
  const { run } = await store(t, [[p('m', 3, 50), p('m', 1, 50)], [p('m', 2, 50), p('m', 9, 60)]])
  t.same(run({ op: 'buckets', metric: 'm', fromMs: 0, toMs: 99, bucketMs: 100 }), [
    { t: 0, min: 1, max: 9, avg: 3.75, first: 3, last: 9, count: 4 }
  ])
  const { run: tied } = await store(t, [[p('m', 3, 50), p('m', 1, 50)], [p('m', 2, 50), p('m', 9, 10)]])
  t.same(tied({ op: 'buckets', metric: 'm', fromMs: 0, toMs: 99, bucketMs: 100 }), [
    { t: 0, min: 1, max: 9, avg: 3.75, first: 9, last: 2, count: 4 }
  ])
})

t.test('buckets read at most maxPoints points, newest first, and leave out the bucket they could not finish', async (t) => {
  // ts 0..99 in one metric, another metric in between that must not count.
  const { run, events } = await store(t, [Array.from({ length: 100 }, (_, i) => p('m', i, i)), [p('other', 1, 50)]])
  const query = { op: 'buckets', metric: 'm', fromMs: 0, toMs: 99, bucketMs: 10 } as const
  t.same(run({ ...query, maxPoints: 100 }), expectedBuckets(events, 'm', 0, 99, 10), 'within the bound: every bucket')
  t.same(run({ ...query, maxPoints: 30 }), expectedBuckets(events, 'm', 70, 99, 10), 'exactly three buckets fit: all three')
  const cut = run({ ...query, maxPoints: 25 })
  t.same(cut.map((b) => b.t), [80, 90], 'ts 75..99 read: bucket 70 is partial, so left out with every older one')
  t.same(cut, expectedBuckets(events, 'm', 0, 99, 10).slice(8), 'the buckets answered are exact')
  t.same(run({ ...query, maxPoints: 5 }), [], 'not even one whole bucket')
  t.same(run({ ...query, fromMs: 3, maxPoints: 25 }).map((b) => b.t), [83, 93], 'on the grid of fromMs')
  t.equal(DEFAULT_MAX_HISTORY_POINTS, 200_000)
  t.same(run(query), expectedBuckets(events, 'm', 0, 99, 10), 'the default bound')
})

t.test('an empty range, a range with no points and another metric give no buckets', async (t) => {
  const { run } = await store(t, SERIES)
  t.same(run({ op: 'buckets', metric: 'cpu', fromMs: 2000, toMs: 3000, bucketMs: 100 }), [])
  t.same(run({ op: 'buckets', metric: 'cpu', fromMs: 1399, toMs: 1300, bucketMs: 100 }), [], 'from after to')
  t.same(run({ op: 'buckets', metric: 'cpu', fromMs: 1200, toMs: 1299, bucketMs: 10 }), [], 'the gap between points')
  t.same(run({ op: 'buckets', metric: 'disk', fromMs: 0, toMs: 1e15, bucketMs: 100 }), [], 'a metric never stored')
  const mem = run({ op: 'buckets', metric: 'mem', fromMs: 1000, toMs: 1399, bucketMs: 100 })
  t.same(mem, [
    { t: 1000, min: 1e6, max: 1e6, avg: 1e6, first: 1e6, last: 1e6, count: 1 },
    { t: 1100, min: -1e6, max: -1e6, avg: -1e6, first: -1e6, last: -1e6, count: 1 }
  ], 'each metric only sees its own points')
})

t.test('history gives the newest limit points in range, oldest first by ts then id', async (t) => {
  const { run, events } = await store(t, SERIES)
  const byTs = events.filter((e) => e.metric === 'cpu' && e.ts >= 1000 && e.ts <= 1399)
    .sort((a, b) => a.ts - b.ts || a.id - b.id)
  t.same(run({ op: 'history', metric: 'cpu', fromMs: 1000, toMs: 1399, limit: 100 }), byTs)
  t.same(run({ op: 'history', metric: 'cpu', fromMs: 1000, toMs: 1399, limit: 5 }), byTs.slice(-5), 'the newest five')
  const tied = run({ op: 'history', metric: 'cpu', fromMs: 1180, toMs: 1180, limit: 2 })
  t.same(tied.map((e) => e.value), [3, 6.5], 'of three points at one ts, the two with the greatest ids')
  t.same(run({ op: 'history', metric: 'cpu', fromMs: 1000, toMs: 1000, limit: 10 }).map((e) => e.value), [5], 'a one-ms range')
  t.same(run({ op: 'history', metric: 'cpu', fromMs: 1000, toMs: 1399, limit: 0 }), [])
  t.same(run({ op: 'history', metric: 'disk', fromMs: 0, toMs: 1e15, limit: 10 }), [])
  t.same(run({ op: 'history', metric: 'cpu', fromMs: 1200, toMs: 1299, limit: 10 }), [])
})

t.test('history and readAfter give events with tags only when stored, keys in wire order', async (t) => {
  const { run } = await store(t, [[{ metric: 'm', value: 1, ts: 1, tags: { host: 'a', zone: 'z' } }, p('m', 2, 2)]])
  const expected = [
    { id: 1, metric: 'm', value: 1, ts: 1, tags: { host: 'a', zone: 'z' } },
    { id: 2, metric: 'm', value: 2, ts: 2 }
  ]
  t.equal(JSON.stringify(run({ op: 'history', metric: 'm', fromMs: 0, toMs: 10, limit: 10 })), JSON.stringify(expected))
  t.equal(JSON.stringify(run({ op: 'readAfter', afterId: 0, limit: 10 })), JSON.stringify(expected))
})

t.test('readAfter gives every metric by id above afterId, ascending, up to limit', async (t) => {
  const { run, events } = await store(t, SERIES)
  t.same(events.map((e) => e.id), Array.from({ length: 15 }, (_, i) => i + 1))
  t.same(run({ op: 'readAfter', afterId: 0, limit: 100 }), events)
  t.same(run({ op: 'readAfter', afterId: 4, limit: 3 }), events.slice(4, 7))
  t.same(run({ op: 'readAfter', afterId: 13, limit: 10 }), events.slice(13), 'fewer than limit left')
  t.same(run({ op: 'readAfter', afterId: 15, limit: 10 }), [])
  t.same(run({ op: 'readAfter', afterId: 3, limit: 0 }), [])
})
