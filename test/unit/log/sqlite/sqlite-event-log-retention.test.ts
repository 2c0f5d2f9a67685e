import Database from 'better-sqlite3'
import t, { type Test } from 'tap'
import { MAX_TS_MS } from '../../../../server/ingest/point-schema.js'
import { DEFAULT_PRUNE_BATCH_SIZE } from '../../../../server/log/sqlite/sqlite-writer.js'
import { prepareReads } from '../../../../server/log/sqlite/read-queries.js'
import type { SqliteEventLog } from '../../../../server/log/sqlite/sqlite-event-log.js'
import { fill, ids, open, point } from '../../../helpers/sqlite-log.js'

/** The ids the file holds, read directly: retention is about the file (the window of recent events is not pruned). */
function storedIds (t: Test, log: SqliteEventLog): number[] {
  const db = new Database(log.writer.path, { readonly: true, fileMustExist: true })
  t.teardown(() => db.close())
  return ids(prepareReads(db)({ op: 'readAfter', afterId: 0, limit: 1000 }))
}

t.test('prune by age deletes from the oldest id while points are older than retentionMs', async (t) => {
  let nowMs = 1000
  const log = open(t, { retentionMs: 100, now: () => nowMs })
  await fill(log, 10) // ts 1000..1009
  t.equal(log.prune(), 0, 'nothing old yet')
  nowMs = 1104 // cutoff 1004: ts 1000..1003 are older
  t.equal(log.prune(), 4)
  t.equal(log.oldestId(), 5)
  t.same(storedIds(t, log), [5, 6, 7, 8, 9, 10])
  t.same(log.catalog()[0]?.count, 10, 'the catalog still counts every point ever appended')
})

t.test('prune by age deletes every old point, whatever the order of ts', async (t) => {
  const log = open(t, { retentionMs: 100, now: () => 2000 })
  // A point stamped in the year 275760 sits between old ones.
  await log.append([point('m', 1, 1000), point('m', 2, MAX_TS_MS), point('m', 3, 1000), point('n', 4, 1950), point('m', 5, 1000)])
  t.equal(log.prune(), 3)
  t.same(storedIds(t, log), [2, 4])
  t.equal(log.oldestId(), 2)
  t.equal(log.prune(), 0)
})

t.test('prune by age works in bounded batches when old points are spread among young ones', async (t) => {
  const log = open(t, { retentionMs: 100, pruneBatchSize: 2, pruneBudgetMs: 0, now: () => 2000 })
  await log.append(Array.from({ length: 7 }, (_, i) => point('m', i, i % 2 === 0 ? 1000 : MAX_TS_MS)))
  t.equal(log.prune(), 2, 'a budget of 0 ms allows one batch')
  t.equal(log.prune(), 2)
  t.equal(log.prune(), 0)
  t.same(storedIds(t, log), [2, 4, 6])
  t.equal(log.oldestId(), 2)
})

t.test('a metric whose points are all gone leaves the catalog and frees its place under maxMetrics', async (t) => {
  const dir = t.testdir()
  let nowMs = 1000
  const log = open(t, { dataDir: dir, maxMetrics: 3, retentionMs: 100, now: () => nowMs })
  await log.append([point('junk.1', 1, 1000), point('junk.2', 2, 1000), point('kept', 3, 1000), point('kept', 4, 1090)])
  await t.rejects(log.append([point('fresh', 5, 1100)]), { code: 'PB_ERR_METRIC_LIMIT' })
  nowMs = 1150 // cutoff 1050
  t.equal(log.prune(), 3)
  t.same(log.catalog().map((m) => m.metric), ['kept'], 'a metric with a point left stays')
  t.equal(log.writer.knows('junk.1'), false)
  t.equal(await log.history('junk.1', { fromMs: 0, toMs: 1e15, limit: 10 }), undefined, 'its history is gone too')
  t.same(ids(await log.append([point('fresh', 6, 1150), point('junk.1', 7, 1150)])), [5, 6], 'new names fit again')
  t.equal(log.catalog().find((m) => m.metric === 'junk.1')?.count, 1, 'a name that comes back starts a new count')
  nowMs = 1300
  t.equal(log.prune(), 3)
  await log.close()
  const reopened = open(t, { dataDir: dir })
  t.same(reopened.catalog(), [], 'the catalog on disk lost them as well')
})

t.test('prune keeps in the catalog a metric that queued appends name, and tells onForget what it removed', async (t) => {
  let nowMs = 1000
  const forgotten: string[][] = []
  const log = open(t, { maxMetrics: 2, retentionMs: 100, now: () => nowMs, onForget: (metrics) => forgotten.push([...metrics]) })
  await log.append([point('m', 1, 1000), point('gone', 1, 1000)])
  nowMs = 2000
  const queued = log.append([point('m', 2, 2000)])
  t.equal(log.prune(), 2)
  t.same(forgotten, [['gone']], 'only the metric no append is about to fill')
  t.same(ids(await queued), [3])
  t.same(log.catalog().map((m) => [m.metric, m.count]), [['m', 2]])
  t.same(ids(await log.append([point('other', 3, 2000)])), [4], 'the place of the removed one is free')
  await t.rejects(log.append([point('third', 4, 2000)]), { code: 'PB_ERR_METRIC_LIMIT' }, 'the cap still counts the kept one')
  t.equal(log.prune(), 0)
  t.same(forgotten, [['gone']], 'a pass that removes none says nothing')
})

t.test('prune by count keeps exactly the newest maxPoints', async (t) => {
  const log = open(t, { maxPoints: 3, now: () => 0 })
  await fill(log, 10)
  t.equal(log.prune(), 7)
  t.equal(log.oldestId(), 8)
  t.same(storedIds(t, log), [8, 9, 10])
  t.equal(log.prune(), 0)
  await fill(log, 2)
  t.equal(log.prune(), 2)
  t.same(storedIds(t, log), [10, 11, 12])
})

t.test('prune works in batches and each call stops after its time budget', async (t) => {
  const log = open(t, { maxPoints: 1, pruneBatchSize: 2, pruneBudgetMs: 0, now: () => 0 })
  await log.append(Array.from({ length: 7 }, (_, i) => point('m', i)))
  t.equal(log.prune(), 2, 'a budget of 0 ms allows one batch')
  t.equal(log.oldestId(), 3)
  t.equal(log.prune(), 2)
  t.equal(log.prune(), 2)
  t.equal(log.prune(), 0)
  t.equal(log.oldestId(), 7)
})

t.test('a large backlog is pruned over several calls of one batch each when the budget is spent', async (t) => {
  const log = open(t, { maxPoints: 0, pruneBudgetMs: 0 })
  await log.append(Array.from({ length: 30_000 }, (_, i) => point(`m${i % 10}`, i, Date.now())))
  const deleted: number[] = []
  for (let n = log.prune(); n > 0; n = log.prune()) deleted.push(n)
  t.same(deleted, Array(6).fill(DEFAULT_PRUNE_BATCH_SIZE), 'six calls of one default batch')
  t.equal(log.oldestId(), 30_001)
})

t.test('a call with budget to spare goes on through the whole backlog', async (t) => {
  // How long a call takes is measured by test/bench/ingest-sqlite.ts; a minute is beyond any machine.
  const log = open(t, { maxPoints: 0, pruneBudgetMs: 60_000 })
  await log.append(Array.from({ length: 30_000 }, (_, i) => point(`m${i % 10}`, i, Date.now())))
  t.equal(log.prune(), 30_000, 'one call, six batches')
  t.equal(log.oldestId(), 30_001)
})
