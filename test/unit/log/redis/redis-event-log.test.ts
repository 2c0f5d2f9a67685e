import { Redis } from 'ioredis'
import t from 'tap'
import type { Test } from 'tap'
import type { MetricSummary, StoredEvent } from '../../../../server/core/event.js'
import { RedisEventLog, type RedisEventLogOptions } from '../../../../server/log/redis/redis-event-log.js'
import { startRedis, type RedisServer } from '../../../helpers/redis-server.js'
import { ids, parse, point, range, text } from '../../../helpers/sqlite-log.js'
import { waitFor } from '../../../helpers/wait-for.js'

let prefixes = 0

/** A log on its own key prefix, closed on teardown. */
async function openLog (t: Test, redis: RedisServer, options: Partial<RedisEventLogOptions> = {}): Promise<RedisEventLog> {
  const log = await RedisEventLog.open({ url: redis.url, keyPrefix: `t${++prefixes}:`, ...options })
  t.teardown(async () => await log.close())
  return log
}

t.test('RedisEventLog', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return

  t.test('appends with global ids, reads them back and hands them on', async (t) => {
    // Points at ts 1000 are older than the default retention of a real clock.
    const log = await openLog(t, redis, { now: () => 2000 })
    t.same([log.latestId(), log.oldestId()], [0, 1], 'an empty log')
    await log.sync()
    t.same([log.latestId(), log.oldestId()], [0, 1], 'still empty after sync')
    const delivered: StoredEvent[] = []
    log.onAppended((events) => delivered.push(...events))
    t.same(await log.append([]), [])
    const stored = await log.append([point('cpu', 1, 1000, { host: 'a' }), point('cpu', 2, 1000), point('mem', 3, 999)])
    t.same(stored, [{ id: 1, metric: 'cpu', value: 1, ts: 1000, tags: { host: 'a' } }, { id: 2, metric: 'cpu', value: 2, ts: 1000 }, { id: 3, metric: 'mem', value: 3, ts: 999 }])
    t.same(await log.readAfter(0, 10), stored, 'the stream holds the points, tags included')
    t.same(ids(await log.readAfter(1, 1)), [2])
    t.same(await log.readAfter(0, 0), [])
    await waitFor(() => delivered.length === 3, 2000, 'the read loop')
    t.same(delivered, stored)
    t.same(log.catalog().map((m: MetricSummary) => [m.metric, m.id, m.count]), [['cpu', 2, 2], ['mem', 3, 1]])
    t.same(parse<StoredEvent[]>(await log.history('cpu', { fromMs: 0, toMs: 2000, limit: 10 }))?.map((e) => e.id), [1, 2], 'equal ts: by id')
    t.same(parse<StoredEvent[]>(await log.history('cpu', { fromMs: 0, toMs: 2000, limit: 1 }))?.map((e) => e.id), [2], 'the newest win')
    t.equal(text(await log.history('cpu', { fromMs: 0, toMs: 2000, limit: 0 })), '[]')
    t.equal(await log.buckets('nope', { fromMs: 0, toMs: 1, bucketMs: 1 }), undefined)
    t.equal(await log.history('nope', { fromMs: 0, toMs: 1, limit: 1 }), undefined)

    const other = await RedisEventLog.open({ url: redis.url, keyPrefix: `t${prefixes}:` })
    t.teardown(async () => await other.close())
    t.same(other.catalog(), log.catalog(), 'a new instance loads the catalog')
    t.equal(other.latestId(), 3)
  })

  t.test('refuses metrics past maxMetrics without using an id', async (t) => {
    const log = await openLog(t, redis, { maxMetrics: 2 })
    await log.append([point('a', 1), point('b', 1)])
    await t.rejects(log.append([point('a', 2), point('c', 1)]), { code: 'PB_ERR_METRIC_LIMIT' })
    t.same(ids(await log.append([point('a', 3), point('a', 4)])), [3, 4], 'known metrics still go in, with the next ids')
  })

  t.test('history keeps historyPoints per metric and drops points past retention', async (t) => {
    let now = 10_000
    const log = await openLog(t, redis, { historyPoints: 3, retentionMs: 5000, now: () => now })
    await log.append([1, 2, 3, 4, 5].map((v) => point('m', v, 5000 + v)))
    t.same(parse<StoredEvent[]>(await log.history('m', { fromMs: 0, toMs: 1e6, limit: 10 }))?.map((e) => e.value), [3, 4, 5], 'the newest 3')
    now = 10_004
    await log.append([point('m', 6, 15_000)])
    t.same(parse<StoredEvent[]>(await log.history('m', { fromMs: 0, toMs: 1e6, limit: 10 }))?.map((e) => e.value), [4, 5, 6], 'older than 5 s at the next append: gone')
    t.same(parse(await log.buckets('m', { fromMs: 5000, toMs: 15_999, bucketMs: 5000 })), [
      { t: 5000, first: 4, min: 4, max: 5, avg: 4.5, last: 5, count: 2 },
      { t: 15_000, first: 6, min: 6, max: 6, avg: 6, last: 6, count: 1 }
    ])
  })

  t.test('buckets parse at most maxHistoryPoints points, newest first, and leave out the bucket they could not finish', async (t) => {
    const log = await openLog(t, redis, { maxHistoryPoints: 25, now: () => 1000 })
    await log.append(Array.from({ length: 100 }, (_, i) => point('m', i, i)))
    const query = { fromMs: 0, toMs: 99, bucketMs: 10 }
    const buckets = parse<Array<{ t: number, count: number, first: number, last: number }>>(await log.buckets('m', query))
    t.same(buckets?.map((b) => [b.t, b.count, b.first, b.last]), [[80, 10, 80, 89], [90, 10, 90, 99]], 'ts 75..99 read: bucket 70 left out')
    const wide = await openLog(t, redis, { maxHistoryPoints: 30, now: () => 1000, keyPrefix: `t${prefixes}:` })
    t.same(parse<Array<{ t: number }>>(await wide.buckets('m', query))?.map((b) => b.t), [70, 80, 90], 'exactly three buckets fit: all three')
  })

  t.test('the stream keeps about maxLen entries; sync moves oldestId up', async (t) => {
    const log = await openLog(t, redis, { maxLen: 10 })
    await log.append(Array.from({ length: 500 }, (_, i) => point('m', i)))
    await log.sync()
    t.ok(log.oldestId() > 1 && log.oldestId() <= 491, `trimmed from the head (oldest ${log.oldestId()})`)
    t.equal(log.latestId(), 500)
    t.equal((await log.readAfter(0, 1))[0]?.id, log.oldestId())
  })

  t.test('a metric appended by another instance is known before it is delivered', async (t) => {
    const log = await openLog(t, redis)
    const other = await RedisEventLog.open({ url: redis.url, keyPrefix: `t${prefixes}:` })
    t.teardown(async () => await other.close())
    await other.append([point('fresh', 1, 1000)])
    // Asked at once: the read loop may not have brought it yet, the hash has it.
    t.ok(await log.buckets('fresh', { fromMs: 0, toMs: 2000, bucketMs: 2000 }) !== undefined)
  })

  t.test('cannot open: one line naming Redis, password hidden', async (t) => {
    const dead = `redis://user:hunter2@127.0.0.1:${redis.port + 1}`
    const err = await RedisEventLog.open({ url: dead }).then(() => undefined, (e: unknown) => e as Error)
    t.match(err, { name: 'StoreOpenError', code: 'PB_ERR_STORE_UNAVAILABLE' })
    t.match(err?.message, /redis:\/\/user:\*\*\*@127\.0\.0\.1/)
    t.notMatch(err?.message, /hunter2/)
  })

  t.test('keys that this log did not write make open fail', async (t) => {
    const client = new Redis(redis.url)
    t.teardown(() => client.disconnect())
    await client.hset('foreign:id', 'not', 'a counter')
    const opened = RedisEventLog.open({ url: redis.url, keyPrefix: 'foreign:' })
    opened.then(async (log) => await log.close(), () => {}).catch(() => {}) // closed if it wrongly opened
    await t.rejects(opened, { code: 'PB_ERR_STORE_UNAVAILABLE' }, 'a prefix whose counter key is a hash')
  })

  t.test('after FLUSHALL: one data-loss report, appends held back for the recovery window, then ids go on above the old ones', async (t) => {
    const losses: number[] = []
    const log = await openLog(t, redis, { generationCheckMs: 20, recoveryMs: 3000, onDataLoss: (err) => losses.push(err.continuesFromId) })
    const delivered: number[] = []
    log.onAppended((events) => delivered.push(...ids(events)))
    await log.append([point('old', 1), point('old', 2), point('old', 3)])
    await waitFor(() => delivered.length === 3, 5000, 'the read loop')
    t.equal(log.state().dataLoss, undefined, 'no loss reported before one happens')
    const client = new Redis(redis.url)
    t.teardown(() => client.disconnect())
    await client.flushall()
    await waitFor(() => losses.length > 0, 5000, 'the periodic check to see the loss')
    t.same(losses, [4], 'reported once, with the id the stream continues from')
    t.match(log.state(), { kind: 'redis', state: 'down', dataLoss: { continuesFromId: 4, detectedAt: String } }, 'down while appends wait')
    await t.rejects(log.append([point('new', 1)]), { code: 'PB_ERR_STORE_UNAVAILABLE' }, 'appends wait for every instance to raise the counter')
    t.same(log.catalog(), [], 'the catalog is what Redis still has')
    t.equal(log.oldestId(), 4, 'nothing before the loss can be replayed')
    let stored: StoredEvent[] = []
    await waitFor(async () => {
      stored = await log.append([point('new', 1)]).catch(() => [])
      return stored.length > 0
    }, 10_000, 'appends to go through again')
    t.same(ids(stored), [4], 'the next id, not 1 again')
    await waitFor(() => delivered.length === 4, 5000, 'the read loop to deliver it')
    t.same(delivered, [1, 2, 3, 4], 'the read loop goes on past the loss, each id once')
    t.same(log.catalog().map((m) => [m.metric, m.count]), [['new', 1]])
    t.equal(log.state().state, 'up')
    t.same(losses, [4], 'still one report')
  })

  t.test('a counter below an id already delivered (a replica that lagged) is caught by the next append', async (t) => {
    const losses: number[] = []
    const log = await openLog(t, redis, { generationCheckMs: 60_000, recoveryMs: 500, onDataLoss: (err) => losses.push(err.continuesFromId) })
    await log.append(Array.from({ length: 10 }, (_, i) => point('m', i)))
    const client = new Redis(redis.url)
    t.teardown(() => client.disconnect())
    // What a replica that had seen only the first 3 ids holds: the generation, but an older counter and stream.
    await client.set(`t${prefixes}:id`, 3)
    await client.xtrim(`t${prefixes}:stream`, 'MAXLEN', 3)
    await client.xdel(`t${prefixes}:stream`, ...range(4, 10).map((id) => `${id}-0`))
    await t.rejects(log.append([point('m', 10)]), { code: 'PB_ERR_STORE_UNAVAILABLE' })
    await waitFor(() => losses.length > 0, 5000, 'the check the refused append started')
    t.same(losses, [11])
    let stored: StoredEvent[] = []
    await waitFor(async () => {
      stored = await log.append([point('m', 10)]).catch(() => [])
      return stored.length > 0
    }, 10_000, 'appends to go through again')
    t.same(ids(stored), [11], 'no id handed out twice')
    await log.sync()
    t.equal(log.oldestId(), 11, 'a resume from before the loss gets a reset, though the stream still holds ids 1 to 3')
  })

  t.test('retention drops metrics whose history is gone, from the catalog here, elsewhere and in MAX_METRICS', async (t) => {
    let now = 100_000
    const options = { retentionMs: 5000, maxMetrics: 2, pruneIntervalMs: 20, now: () => now }
    const log = await openLog(t, redis, options)
    const other = await RedisEventLog.open({ url: redis.url, keyPrefix: `t${prefixes}:`, ...options })
    t.teardown(async () => await other.close())
    await log.append([point('stale', 1, 96_000), point('live', 1, 99_000)])
    await waitFor(() => other.catalog().length === 2, 5000, 'the other instance to be delivered them')
    await t.rejects(log.append([point('third', 1, 100_000)]), { code: 'PB_ERR_METRIC_LIMIT' }, 'two metrics: the limit')
    now = 102_000
    await waitFor(() => log.catalog().length === 1 && other.catalog().length === 1, 5000, 'a retention pass on each instance')
    t.same(log.catalog().map((m) => m.metric), ['live'])
    t.same(other.catalog().map((m) => m.metric), ['live'])
    t.equal(await log.history('stale', { fromMs: 0, toMs: 1e6, limit: 10 }), undefined, 'unknown now')
    t.same(ids(await log.append([point('third', 1, 102_000)])), [3], 'the freed place takes a new metric')
  })

  // Last: it stops the server.
  t.test('while Redis is down every call refuses with PB_ERR_STORE_UNAVAILABLE, and close still ends the loop', async (t) => {
    const errors: unknown[] = []
    const log = await openLog(t, redis, { onError: (err) => errors.push(err) })
    t.same(log.state(), { kind: 'redis', state: 'up' })
    await redis.kill()
    await waitFor(() => log.state().state === 'down', 5000, 'the store down')
    const calls: Array<Promise<unknown>> = [log.append([point('m', 1)]), log.readAfter(0, 1), log.history('x', { fromMs: 0, toMs: 1, limit: 1 }), log.sync()]
    for (const call of calls) await t.rejects(call, { code: 'PB_ERR_STORE_UNAVAILABLE' })
    await waitFor(() => errors.length > 0, 5000, 'a reported error')
  })
})
