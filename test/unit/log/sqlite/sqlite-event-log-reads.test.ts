import Database from 'better-sqlite3'
import t, { type Test } from 'tap'
import type { MetricPoint, StoredEvent } from '../../../../server/core/event.js'
import { toJson } from '../../../../server/log/catalog-cache.js'
import { prepareReads } from '../../../../server/log/sqlite/read-queries.js'
import {
  DEFAULT_MAX_QUEUED_READS, DEFAULT_PRUNE_INTERVAL_MS, DEFAULT_WINDOW_SIZE, SqliteEventLog
} from '../../../../server/log/sqlite/sqlite-event-log.js'
import { SqliteWriter } from '../../../../server/log/sqlite/sqlite-writer.js'
import { ReadQueueFullError, StoreWriteError } from '../../../../server/log/errors.js'
import { ids, open, QUIET, range, text } from '../../../helpers/sqlite-log.js'
import { waitFor } from '../../../helpers/wait-for.js'

/** The log's file read directly on this thread, to check what the reader threads answer. */
function direct (t: Test, log: SqliteEventLog): ReturnType<typeof prepareReads> {
  const db = new Database(log.writer.path, { readonly: true, fileMustExist: true })
  t.teardown(() => db.close())
  return prepareReads(db)
}

/** `count` points of `metric`, value i and ts 1000 + i. */
function points (count: number, metric = 'm'): MetricPoint[] {
  return Array.from({ length: count }, (_, i) => ({ metric, value: i, ts: 1000 + i }))
}

/** Counts the log's prune() calls, which the retention timer makes. */
function countPrunes (log: SqliteEventLog): { readonly calls: number } {
  const prune = log.prune.bind(log)
  const counter = { calls: 0 }
  log.prune = () => {
    counter.calls++
    return prune()
  }
  return counter
}

t.test('the defaults are a window of 100,000 events and a retention pass every second', async (t) => {
  t.equal(DEFAULT_WINDOW_SIZE, 100_000)
  t.equal(DEFAULT_PRUNE_INTERVAL_MS, 1000)
  const log = SqliteEventLog.open({ dataDir: t.testdir() })
  t.teardown(() => log.close())
  t.type(log.writer, SqliteWriter)
  // Recent points, so the default retention of 7 days keeps them.
  const stored = await log.append(points(3).map((point) => ({ ...point, ts: Date.now() })))
  t.equal((await log.readAfter(0, 10))[0], stored[0], 'served from the window')
  t.equal(text(await log.history('m', { fromMs: 0, toMs: 1e15, limit: 10 })), JSON.stringify(stored), 'and the default pool reads')
})

t.test('appends get consecutive ids and recent reads come from the window', async (t) => {
  const log = open(t, { windowSize: 100 })
  t.equal(log.latestId(), 0)
  t.equal(log.oldestId(), 1)
  t.same(await log.readAfter(0, 10), [])
  const first = await log.append(points(3))
  const [second, third] = await Promise.all([log.append(points(2, 'n')), log.append(points(1, 'o'))])
  t.same(ids([...first, ...second!, ...third!]), [1, 2, 3, 4, 5, 6])
  t.equal(log.latestId(), 6)
  t.equal(log.oldestId(), 1)
  const read = await log.readAfter(2, 3)
  t.same(ids(read), [3, 4, 5])
  t.equal(read[0], first[2], 'the very objects appended: no worker involved')
  t.equal(read[1], second![0])
  t.same(await log.readAfter(6, 10), [])
  t.same(await log.readAfter(1, 0), [])
  t.same(log.catalog().map((s) => [s.metric, s.count]), [['m', 3], ['n', 2], ['o', 1]])
})

t.test('a replay older than the window is read by the pool and equals what was stored', async (t) => {
  const log = open(t, { windowSize: 100 })
  const stored = await log.append(points(500))
  const old = await log.readAfter(10, 50)
  t.same(old, stored.slice(10, 60))
  t.same(ids(old), range(11, 60))
  t.not(old[0], stored[10], 'a copy from a reader thread, not the appended object')
  t.equal(JSON.stringify(old), JSON.stringify(stored.slice(10, 60)), 'keys in wire order')
  const straddling = await log.readAfter(398, 5)
  t.same(ids(straddling), [399, 400, 401, 402, 403], 'a read that starts before the window and runs into it')
  t.not(straddling[4], stored[402])
  const inside = await log.readAfter(400, 3)
  t.same(ids(inside), [401, 402, 403], 'the window holds 401..500')
  t.equal(inside[0], stored[400])
})

t.test('history and buckets are read by the pool and match the file read directly', async (t) => {
  const log = open(t, { windowSize: 10 })
  await log.append([...points(40), ...points(5, 'other'), { metric: 'm', value: 99, ts: 1010, tags: { host: 'a' } }])
  const read = direct(t, log)
  for (const query of [{ fromMs: 0, toMs: 1e15, limit: 100 }, { fromMs: 1005, toMs: 1012, limit: 4 }, { fromMs: 5000, toMs: 6000, limit: 10 }]) {
    t.equal(text(await log.history('m', query)), text(toJson(read({ op: 'history', metric: 'm', ...query }))), `history ${JSON.stringify(query)}`)
  }
  const history = JSON.parse(text(await log.history('m', { fromMs: 1009, toMs: 1010, limit: 2 }))!) as StoredEvent[]
  t.same(history, [
    { id: 11, metric: 'm', value: 10, ts: 1010 },
    { id: 46, metric: 'm', value: 99, ts: 1010, tags: { host: 'a' } }
  ], 'newest two by ts then id, oldest first')
  for (const query of [{ fromMs: 1000, toMs: 1039, bucketMs: 10 }, { fromMs: 1003, toMs: 1020, bucketMs: 7 }, { fromMs: 5000, toMs: 6000, bucketMs: 10 }]) {
    t.equal(text(await log.buckets('m', query)), text(toJson(read({ op: 'buckets', metric: 'm', ...query }))), `buckets ${JSON.stringify(query)}`)
  }
  t.same(JSON.parse(text(await log.buckets('m', { fromMs: 1000, toMs: 1019, bucketMs: 10 }))!), [
    { t: 1000, min: 0, max: 9, avg: 4.5, first: 0, last: 9, count: 10 },
    { t: 1010, min: 10, max: 99, avg: 244 / 11, first: 10, last: 19, count: 11 }
  ])
})

t.test('buckets read at most maxHistoryPoints, in the pool as on this thread', async (t) => {
  const log = open(t, { maxHistoryPoints: 15 })
  await log.append(points(40)) // ts 1000..1039
  const query = { fromMs: 1000, toMs: 1039, bucketMs: 10 }
  const buckets = JSON.parse(text(await log.buckets('m', query))!) as Array<{ t: number, count: number }>
  t.same(buckets.map((b) => [b.t, b.count]), [[1030, 10]], 'ts 1025..1039 read: only bucket 1030 is whole')
  t.equal(text(await log.buckets('m', query)), text(toJson(direct(t, log)({ op: 'buckets', metric: 'm', ...query, maxPoints: 15 }))))
})

t.test('history past maxQueuedReads reads waiting is refused with ReadQueueFullError; replays are not', async (t) => {
  t.equal(DEFAULT_MAX_QUEUED_READS, 64)
  const log = open(t, { windowSize: 100, maxQueuedReads: 2 })
  await log.append(points(500))
  const query = { fromMs: 0, toMs: 1e15, bucketMs: 10 }
  // Each call queues its read before it returns, so the third finds two waiting.
  const waiting = [log.buckets('m', query), log.history('m', { ...query, limit: 10 })]
  await t.rejects(log.buckets('m', query), { name: 'ReadQueueFullError', code: 'PB_ERR_OVERLOADED', message: '2 history reads are already waiting' })
  await t.rejects(log.history('m', { ...query, limit: 10 }), ReadQueueFullError)
  const replay = log.readAfter(0, 10)
  await Promise.all(waiting)
  t.same(ids(await replay), range(1, 10), 'a replay older than the window still went to the pool')
  t.ok(await log.buckets('m', query), 'once they are answered, history is read again')
})

t.test('an unknown metric gives undefined without a read', async (t) => {
  const log = open(t)
  await log.append(points(2))
  t.equal(await log.history('nope', { fromMs: 0, toMs: 1e15, limit: 10 }), undefined)
  t.equal(await log.buckets('nope', { fromMs: 0, toMs: 1e15, bucketMs: 10 }), undefined)
})

t.test('limits of 0 or less read nothing, older than the window too', async (t) => {
  const log = open(t, { windowSize: 10 })
  await log.append(points(30))
  t.same(await log.readAfter(0, 0), [])
  t.same(await log.readAfter(0, -1), [], 'readAfter: a negative limit is not SQLite\'s "no limit"')
  const query = { fromMs: 0, toMs: 1e15 }
  t.equal(text(await log.history('m', { ...query, limit: 0 })), '[]')
  t.equal(text(await log.history('m', { ...query, limit: -5 })), '[]', 'history: a negative limit is not SQLite\'s "no limit"')
})

t.test('a reopened log continues the ids and its window starts empty', async (t) => {
  const dir = t.testdir()
  const first = SqliteEventLog.open({ ...QUIET, dataDir: dir, windowSize: 10 })
  const before = await first.append(points(5))
  await first.close()
  const second = open(t, { dataDir: dir, windowSize: 10 })
  t.equal(second.latestId(), 5)
  t.equal(second.oldestId(), 1)
  t.same(await second.readAfter(0, 10), before, 'the old events come from the file')
  t.same(await second.readAfter(4, 10), before.slice(4))
  t.same(await second.readAfter(5, 10), [])
  const after = await second.append(points(2, 'later'))
  t.same(ids(after), [6, 7])
  const recent = await second.readAfter(5, 10)
  t.equal(recent[0], after[0], 'new events come from the window')
  t.same(await second.readAfter(3, 10), [...before.slice(3), ...after], 'a replay from before the reopen runs on into the new events')
})

t.test('the retention timer prunes on its own', async (t) => {
  let nowMs = 1000
  const log = open(t, { retentionMs: 100, now: () => nowMs, pruneIntervalMs: 20 })
  await log.append(points(50)) // ts 1000..1049
  const prunes = countPrunes(log)
  await waitFor(() => prunes.calls >= 2, 5000, 'two retention passes')
  t.equal(log.oldestId(), 1, 'nothing is old yet')
  nowMs = 1140 // cutoff 1040: ts 1000..1039 are too old
  await waitFor(() => log.oldestId() === 41, 5000, 'a retention pass')
  t.same(ids(JSON.parse(text(await log.history('m', { fromMs: 0, toMs: 1e15, limit: 100 }))!) as StoredEvent[]), range(41, 50))
  t.same(ids(await log.append(points(1))), [51], 'ids go on')
})

t.test('a failed retention pass goes to onPruneError and the next pass tries again', async (t) => {
  const errors: unknown[] = []
  const log = open(t, { maxPoints: 5, now: () => 0, pruneIntervalMs: 20, onPruneError: (err) => errors.push(err) })
  await log.append(points(20))
  // Same tick as the commit, so before any pass: the connection may no longer write.
  log.writer.pragma('query_only = ON')
  await waitFor(() => errors.length >= 2, 5000, 'two failed passes')
  t.match(errors[0], { code: 'SQLITE_READONLY' })
  t.type(errors[0], Error)
  t.equal(log.oldestId(), 1, 'nothing deleted')
  t.same(ids(await log.readAfter(0, 100)), range(1, 20))
  log.writer.pragma('query_only = OFF')
  await waitFor(() => log.oldestId() === 16, 5000, 'a pass after the fault cleared')
})

t.test('without onPruneError a failed pass is ignored and the timer keeps going', async (t) => {
  const log = open(t, { maxPoints: 5, now: () => 0, pruneIntervalMs: 20 })
  await log.append(points(20))
  log.writer.pragma('query_only = ON')
  const prunes = countPrunes(log)
  await waitFor(() => prunes.calls >= 3, 5000, 'three passes')
  t.equal(log.oldestId(), 1)
  log.writer.pragma('query_only = OFF')
  await waitFor(() => log.oldestId() === 16, 5000, 'a pass after the fault cleared')
})

t.test('close stops the retention timer, the readers and the writer', async (t) => {
  const errors: unknown[] = []
  // Points from 1970 kept for good, so the metric is still known once the pool has closed.
  const log = SqliteEventLog.open({ dataDir: t.testdir(), readThreads: 1, windowSize: 5, pruneIntervalMs: 20, retentionMs: 1e15, onPruneError: (err) => errors.push(err) })
  await log.append(points(20))
  const prunes = countPrunes(log)
  await waitFor(() => prunes.calls >= 1, 5000, 'a first pass')
  await log.close()
  const callsAtClose = prunes.calls
  await t.rejects(log.append(points(1)), StoreWriteError)
  await t.rejects(log.readAfter(0, 10), { message: 'the read pool is closed' })
  await t.rejects(log.history('m', { fromMs: 0, toMs: 1e15, limit: 10 }), { message: 'the read pool is closed' })
  await t.rejects(log.buckets('m', { fromMs: 0, toMs: 1e15, bucketMs: 10 }), { message: 'the read pool is closed' })
  // Let another log's timer, at the same interval, run three times.
  const other = open(t, { pruneIntervalMs: 20 })
  const otherPrunes = countPrunes(other)
  await waitFor(() => otherPrunes.calls >= 3, 5000, 'three passes of another log')
  t.equal(prunes.calls, callsAtClose, 'no pass after close')
  t.same(errors, [], 'so none failed on the closed store')
})
