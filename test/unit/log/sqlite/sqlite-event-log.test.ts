import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { HistoryBucket, MetricPoint, StoredEvent } from '../../../../server/core/event.js'
import { DEFAULT_MAX_METRICS, DEFAULT_RETENTION_MS } from '../../../../server/log/event-log.js'
import { SqliteEventLog } from '../../../../server/log/sqlite/sqlite-event-log.js'
import { DEFAULT_FILE_NAME, DEFAULT_MAX_POINTS, DEFAULT_PRUNE_BATCH_SIZE, DEFAULT_PRUNE_BUDGET_MS } from '../../../../server/log/sqlite/sqlite-writer.js'
import { MetricLimitError } from '../../../../server/log/errors.js'
import { fill, ids, open, parse, point, QUIET, text } from '../../../helpers/sqlite-log.js'

t.test('the defaults are pulseboard.db, 7 days, 50,000,000 points, batches of 5,000 and 5 ms', async (t) => {
  t.equal(DEFAULT_FILE_NAME, 'pulseboard.db')
  t.equal(DEFAULT_RETENTION_MS, 604_800_000)
  t.equal(DEFAULT_MAX_POINTS, 50_000_000)
  t.equal(DEFAULT_PRUNE_BATCH_SIZE, 5_000)
  t.equal(DEFAULT_PRUNE_BUDGET_MS, 5)
  const dir = t.testdir()
  const log = SqliteEventLog.open({ ...QUIET, dataDir: join(dir, 'a', 'b') })
  t.equal(log.writer.pragma('journal_mode', { simple: true }), 'wal')
  t.equal(log.writer.pragma('synchronous', { simple: true }), 2, 'synchronous = FULL')
  await log.close()
  await SqliteEventLog.open({ ...QUIET, dataDir: join(dir, 'a', 'b'), fileName: 'other.db' }).close()
  t.ok(existsSync(join(dir, 'a', 'b', 'pulseboard.db')))
  t.ok(existsSync(join(dir, 'a', 'b', 'other.db')))
})

t.test('an empty log has latestId 0 and oldestId 1', async (t) => {
  const log = open(t)
  t.equal(log.latestId(), 0)
  t.equal(log.oldestId(), 1)
  t.same(await log.readAfter(0, 10), [])
  t.same(log.catalog(), [])
  t.equal(await log.history('m', { fromMs: 0, toMs: 1e15, limit: 10 }), undefined)
})

t.test('ids are consecutive across calls and continue after close and reopen', async (t) => {
  const dir = t.testdir()
  const first = SqliteEventLog.open({ ...QUIET, dataDir: dir })
  t.same(ids(await first.append([point('a', 1), point('b', 2)])), [1, 2])
  t.same(ids(await first.append([point('c', 3)])), [3])
  await first.close()
  const second = open(t, { dataDir: dir })
  t.equal(second.latestId(), 3)
  t.equal(second.oldestId(), 1)
  t.same(ids(await second.append([point('d', 4)])), [4])
  t.same(ids(await second.readAfter(0, 10)), [1, 2, 3, 4])
})

t.test('ids are never reused, even after pruning every point and reopening', async (t) => {
  const dir = t.testdir()
  const first = SqliteEventLog.open({ ...QUIET, dataDir: dir, now: () => 1e15 })
  await fill(first, 5)
  t.equal(first.prune(), 5)
  t.equal(first.oldestId(), 6)
  t.equal(first.latestId(), 5)
  await first.close()
  const second = open(t, { dataDir: dir })
  t.equal(second.latestId(), 5)
  t.equal(second.oldestId(), 6, 'nothing retained: oldestId is the next id')
  t.same(ids(await second.append([point('m', 9)])), [6])
  t.equal(second.oldestId(), 6)
})

t.test('appends made in one tick share one commit, and each gets its own ids in call order', async (t) => {
  const log = open(t)
  const calls = [log.append([point('a', 1)]), log.append([point('b', 2), point('b', 3)]), log.append([]), log.append([point('c', 4)])]
  t.equal(log.latestId(), 0, 'nothing is visible before the commit')
  const results = await Promise.all(calls)
  t.same(results.map(ids), [[1], [2, 3], [], [4]])
  t.equal(log.writer.commits, 1)
  await log.append([point('d', 5)])
  t.equal(log.writer.commits, 2, 'a later tick is a new commit')
})

t.test('appending nothing commits nothing and gives no ids', async (t) => {
  const log = open(t)
  t.same(await log.append([]), [])
  t.equal(log.writer.commits, 0)
  t.equal(log.latestId(), 0)
})

t.test('appends issued while earlier ones are in flight keep their call order', async (t) => {
  const log = open(t)
  const pending: Array<Promise<StoredEvent[]>> = []
  let value = 0
  for (let round = 0; round < 20; round++) {
    const size = 1 + (round % 4)
    for (let call = 0; call < 1 + (round % 3); call++) {
      pending.push(log.append(Array.from({ length: size }, () => point('seq', value++))))
    }
    if (round % 2 === 0) await new Promise((resolve) => setImmediate(resolve))
  }
  const results = (await Promise.all(pending)).flat()
  t.same(results.map((e) => e.value), results.map((_, i) => i), 'values in call order')
  t.same(ids(results), results.map((_, i) => i + 1), 'ids consecutive in call order')
  t.same(await log.readAfter(0, 1000), results)
  t.ok(log.writer.commits < pending.length, 'some calls shared a commit')
})

t.test('appends, reads, catalog and history give exact values with keys in wire order', async (t) => {
  const log = open(t)
  const input: MetricPoint[][] = [
    [point('cpu', 1.5, 100), point('mem', 10, 100, { host: 'a' })],
    [point('cpu', 2, 200, { host: 'b', zone: 'z1' })],
    [],
    [point('cpu', -3.25, 300), point('disk', 0, 300), point('mem', 11, 400)],
    [point('cpu', 4, 400, { host: 'a' }), point('a.first', 1e300, 500)]
  ]
  const e1 = { id: 1, metric: 'cpu', value: 1.5, ts: 100 }
  const e2 = { id: 2, metric: 'mem', value: 10, ts: 100, tags: { host: 'a' } }
  const e3 = { id: 3, metric: 'cpu', value: 2, ts: 200, tags: { host: 'b', zone: 'z1' } }
  const e4 = { id: 4, metric: 'cpu', value: -3.25, ts: 300 }
  const e5 = { id: 5, metric: 'disk', value: 0, ts: 300 }
  const e6 = { id: 6, metric: 'mem', value: 11, ts: 400 }
  const e7 = { id: 7, metric: 'cpu', value: 4, ts: 400, tags: { host: 'a' } }
  const e8 = { id: 8, metric: 'a.first', value: 1e300, ts: 500 }
  const expected = [[e1, e2], [e3], [], [e4, e5, e6], [e7, e8]]
  const same = (actual: unknown, wanted: unknown, what: string): void => {
    t.same(actual, wanted, what)
    t.equal(JSON.stringify(actual), JSON.stringify(wanted), `${what}, as JSON`)
  }
  for (const [i, points] of input.entries()) same(await log.append(points), expected[i], `append ${i}`)
  same(await log.readAfter(0, 100), [e1, e2, e3, e4, e5, e6, e7, e8], 'readAfter everything')
  same(await log.readAfter(3, 2), [e4, e5], 'readAfter a slice')
  same(log.catalog(), [
    { metric: 'a.first', value: 1e300, ts: 500, id: 8, count: 1 },
    { metric: 'cpu', value: 4, ts: 400, id: 7, count: 4, tags: { host: 'a' } },
    { metric: 'disk', value: 0, ts: 300, id: 5, count: 1 },
    { metric: 'mem', value: 11, ts: 400, id: 6, count: 2 }
  ], 'catalog')
  const histories: Array<[string, StoredEvent[] | undefined, StoredEvent[] | undefined]> = [
    ['cpu', [e1, e3, e4, e7], [e4, e7]],
    ['mem', [e2, e6], [e6]],
    ['disk', [e5], [e5]],
    ['nope', undefined, undefined]
  ]
  for (const [metric, everything, newestTwo] of histories) {
    const all = await log.history(metric, { fromMs: 0, toMs: 1000, limit: 10 })
    const some = await log.history(metric, { fromMs: 200, toMs: 400, limit: 2 })
    t.equal(text(all), everything && JSON.stringify(everything), `history ${metric}`)
    t.equal(text(some), newestTwo && JSON.stringify(newestTwo), `history ${metric} 200..400, limit 2`)
  }
  t.equal(log.latestId(), 8)
  t.equal(log.oldestId(), 1)
})

t.test('readAfter returns ids above afterId, ascending, up to limit', async (t) => {
  const log = open(t)
  await fill(log, 6)
  t.same(ids(await log.readAfter(2, 3)), [3, 4, 5])
  t.same(ids(await log.readAfter(4, 100)), [5, 6])
  t.same(await log.readAfter(6, 10), [])
  t.same(await log.readAfter(0, 0), [])
  t.same(await log.readAfter(0, -1), [], 'a negative limit is not SQLite\'s "no limit"')
})

t.test('history bounds are inclusive, the newest limit points win, oldest first', async (t) => {
  const log = open(t)
  await fill(log, 10)
  await fill(log, 3, 'other')
  const values = async (fromMs: number, toMs: number, limit: number): Promise<number[] | undefined> =>
    parse(await log.history('m', { fromMs, toMs, limit }))?.map((e) => e.value)
  t.same(await values(1002, 1005, 100), [2, 3, 4, 5], 'both ends inclusive')
  t.same(await values(1002, 1005, 2), [4, 5], 'newest win')
  t.same(await values(0, 1e15, 3), [7, 8, 9])
  t.same(await values(1003, 1003, 10), [3])
  t.same(await values(2000, 3000, 10), [], 'a known metric with nothing in range')
  t.same(await values(0, 1e15, 0), [])
  t.same(await values(0, 1e15, -5), [])
  t.same(parse(await log.history('other', { fromMs: 0, toMs: 1e15, limit: 10 }))?.map((e) => e.metric), ['other', 'other', 'other'])
})

t.test('history orders points that share a ts by id', async (t) => {
  const log = open(t)
  await log.append([point('m', 1, 5), point('m', 2, 5), point('m', 3, 5)])
  t.same(parse(await log.history('m', { fromMs: 5, toMs: 5, limit: 2 }))?.map((e) => e.id), [2, 3])
})

t.test('the catalog survives a reopen, counts keep adding up and tags follow the newest point', async (t) => {
  const dir = t.testdir()
  const first = SqliteEventLog.open({ ...QUIET, dataDir: dir })
  await first.append([point('b', 1, 10, { host: 'x' }), point('a', 2, 20), point('b', 3, 30, { host: 'y' })])
  const before = first.catalog()
  t.same(before, [
    { metric: 'a', value: 2, ts: 20, id: 2, count: 1 },
    { metric: 'b', value: 3, ts: 30, id: 3, count: 2, tags: { host: 'y' } }
  ])
  await first.close()
  const second = open(t, { dataDir: dir })
  t.equal(JSON.stringify(second.catalog()), JSON.stringify(before))
  await second.append([point('b', 4, 40)])
  t.same(second.catalog()[1], { metric: 'b', value: 4, ts: 40, id: 4, count: 3 }, 'tags gone with a point without them')
  const copy = second.catalog()
  copy.pop()
  t.equal(second.catalog().length, 2, 'callers get a copy')
})

t.test('buckets gives min, max, avg, first, last and count per non-empty bucket, as JSON text', async (t) => {
  const log = open(t)
  await log.append([point('m', 4, 1000), point('m', 8, 1099), point('m', 6, 1050), point('other', 99, 1000)])
  await log.append([point('m', 1, 1300), point('m', 3, 1300), point('m', 2, 1100)])
  const expected: HistoryBucket[] = [
    { t: 1000, min: 4, max: 8, avg: 6, first: 4, last: 8, count: 3 },
    { t: 1100, min: 2, max: 2, avg: 2, first: 2, last: 2, count: 1 },
    { t: 1300, min: 1, max: 3, avg: 2, first: 1, last: 3, count: 2 }
  ]
  const answer = await log.buckets('m', { fromMs: 1000, toMs: 1300, bucketMs: 100 })
  t.equal(text(answer), JSON.stringify(expected), 'first is the earliest by ts, last the latest, ties by id; keys in wire order')
  t.same(parse(await log.buckets('m', { fromMs: 1001, toMs: 1299, bucketMs: 1000 })), [
    { t: 1001, min: 2, max: 8, avg: 16 / 3, first: 6, last: 2, count: 3 }
  ], 'both ends of the range are inclusive and the points outside are left out')
  t.equal(text(await log.buckets('m', { fromMs: 5000, toMs: 6000, bucketMs: 100 })), '[]', 'a known metric with nothing in range')
  t.equal(await log.buckets('nope', { fromMs: 0, toMs: 1e15, bucketMs: 100 }), undefined, 'an unknown metric')
})

t.test('knows tells the metrics of the catalog, across a reopen, and path names the file', async (t) => {
  const dir = t.testdir()
  const first = SqliteEventLog.open({ ...QUIET, dataDir: dir, fileName: 'k.db' })
  t.equal(first.writer.path, join(dir, 'k.db'))
  t.equal(first.writer.knows('cpu'), false)
  const pending = first.append([point('cpu', 1)])
  t.equal(first.writer.knows('cpu'), false, 'not before the commit')
  await pending
  t.equal(first.writer.knows('cpu'), true)
  t.equal(first.writer.knows('cpu.load'), false, 'exact names only')
  await first.close()
  const second = open(t, { dataDir: dir, fileName: 'k.db' })
  t.equal(second.writer.knows('cpu'), true)
  t.equal(second.writer.knows('mem'), false)
})

t.test('maxMetrics is exact for appends made in the same tick', async (t) => {
  const log = open(t, { maxMetrics: 2 })
  const results = await Promise.allSettled([log.append([point('a', 1)]), log.append([point('b', 2)]), log.append([point('c', 3)]), log.append([point('a', 4)])])
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
  t.match(results[2], { reason: { code: 'PB_ERR_METRIC_LIMIT' } })
  t.same(log.catalog().map((m) => m.metric), ['a', 'b'])
  t.same(ids(await log.append([point('b', 5), point('a', 6)])), [4, 5])
})

t.test('a refused commit frees the names it had reserved under maxMetrics', async (t) => {
  const log = open(t, { maxMetrics: 1 })
  log.writer.pragma('query_only = ON')
  await t.rejects(log.append([point('a', 1)]), { code: 'PB_ERR_STORE_UNAVAILABLE' })
  log.writer.pragma('query_only = OFF')
  t.same(ids(await log.append([point('b', 2)])), [1])
})

t.test('maxMetrics refuses an append that would add a metric past the cap, and stores none of it', async (t) => {
  t.equal(DEFAULT_MAX_METRICS, 10_000)
  const dir = t.testdir()
  const log = open(t, { dataDir: dir, maxMetrics: 3 })
  t.same(ids(await log.append([point('a', 1), point('b', 2), point('c', 3)])), [1, 2, 3], 'three metrics fit')
  const catalog = log.catalog()
  const commits = log.writer.commits
  const err = await log.append([point('d', 4)]).then(() => undefined, (e: unknown) => e)
  t.type(err, MetricLimitError)
  t.type(err, Error)
  t.match(err, { code: 'PB_ERR_METRIC_LIMIT', name: 'MetricLimitError', message: /3 distinct metrics/ })
  await t.rejects(log.append([point('a', 5), point('e', 6)]), { code: 'PB_ERR_METRIC_LIMIT' }, 'a mix of known and new names is refused whole')
  t.equal(log.latestId(), 3)
  t.equal(log.writer.commits, commits)
  t.same(log.catalog(), catalog)
  t.equal(log.writer.knows('d'), false)
  t.same(ids(await log.readAfter(0, 100)), [1, 2, 3], 'nothing stored')
  t.same(ids(await log.append([point('c', 7), point('a', 8), point('a', 9)])), [4, 5, 6], 'known names are still accepted')
  await log.close()
  const reopened = open(t, { dataDir: dir, maxMetrics: 3 })
  await t.rejects(reopened.append([point('d', 10)]), MetricLimitError, 'the cap counts the metrics stored before a reopen')
  t.same(ids(await reopened.append([point('b', 11)])), [7])
})

t.test('onAppended hands on each commit once it is on disk, in id order, before any appender goes on', async (t) => {
  const log = open(t)
  const batches: Array<{ ids: number[], latestId: number, window: number[] }> = []
  const stop = log.onAppended((events) => {
    // What a subscriber can read back at once: the window holds the batch already.
    batches.push({ ids: ids(events), latestId: log.latestId(), window: [] })
    log.readAfter(events[0]!.id - 1, 100).then((read) => { batches.at(-1)!.window.push(...ids(read)) }, t.error)
  })
  const first = [log.append([point('a', 1)]), log.append([point('b', 2), point('b', 3)]), log.append([])]
  t.same(batches, [], 'nothing before the commit')
  const acked = await Promise.all(first)
  t.same(batches, [{ ids: [1, 2, 3], latestId: 3, window: [1, 2, 3] }], 'one batch per group commit, seen before the appends resolved')
  t.same(acked.map(ids), [[1], [2, 3], []])
  await log.append([point('c', 4)])
  t.same(batches.map((b) => b.ids), [[1, 2, 3], [4]])
  t.same(await log.append([]), [])
  t.equal(batches.length, 2, 'appending nothing emits nothing')
  stop()
  await log.append([point('d', 5)])
  t.equal(batches.length, 2, 'a stopped listener gets nothing more')
})

t.test('a refused commit emits nothing; state is up and sync has nothing to catch up with', async (t) => {
  const log = open(t)
  const emitted: number[] = []
  log.onAppended((events) => emitted.push(...ids(events)))
  log.writer.pragma('query_only = ON')
  await t.rejects(log.append([point('a', 1)]), { code: 'PB_ERR_STORE_UNAVAILABLE' })
  log.writer.pragma('query_only = OFF')
  t.same(emitted, [])
  await log.sync()
  t.same(log.state(), { kind: 'sqlite', state: 'up' })
  t.same(ids(await log.append([point('a', 2)])), [1])
  t.same(emitted, [1])
})

t.test('close commits and hands on what is queued, then no listener hears more', async (t) => {
  const log = SqliteEventLog.open({ ...QUIET, dataDir: t.testdir() })
  const emitted: number[] = []
  log.onAppended((events) => emitted.push(...ids(events)))
  const queued = log.append([point('m', 1)])
  await log.close()
  t.same(ids(await queued), [1])
  t.same(emitted, [1])
})
