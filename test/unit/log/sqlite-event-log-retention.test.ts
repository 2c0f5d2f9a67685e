import t from 'tap'
import { DEFAULT_PRUNE_BATCH_SIZE } from '../../../server/log/sqlite-event-log.js'
import { fill, ids, open, point } from '../../helpers/sqlite-log.js'

t.test('prune by age deletes from the oldest id while points are older than retentionMs', async (t) => {
  let nowMs = 1000
  const log = open(t, { retentionMs: 100, now: () => nowMs })
  await fill(log, 10) // ts 1000..1009
  t.equal(log.prune(), 0, 'nothing old yet')
  nowMs = 1104 // cutoff 1004: ts 1000..1003 are older
  t.equal(log.prune(), 4)
  t.equal(log.oldestId(), 5)
  t.same(ids(await log.readAfter(0, 100)), [5, 6, 7, 8, 9, 10])
  t.same(log.catalog()[0]?.count, 10, 'the catalog still counts every point ever appended')
})

t.test('prune by age stops at the first young point, keeping the ids one range', async (t) => {
  const log = open(t, { retentionMs: 100, now: () => 2000 })
  await log.append([point('m', 1, 1000), point('m', 2, 5000), point('m', 3, 1000)])
  t.equal(log.prune(), 1)
  t.same(ids(await log.readAfter(0, 10)), [2, 3])
})

t.test('prune by count keeps exactly the newest maxPoints', async (t) => {
  const log = open(t, { maxPoints: 3, now: () => 0 })
  await fill(log, 10)
  t.equal(log.prune(), 7)
  t.equal(log.oldestId(), 8)
  t.same(ids(await log.readAfter(0, 100)), [8, 9, 10])
  t.equal(log.prune(), 0)
  await fill(log, 2)
  t.equal(log.prune(), 2)
  t.same(ids(await log.readAfter(0, 100)), [10, 11, 12])
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
