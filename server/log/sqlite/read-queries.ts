import type Database from 'better-sqlite3'
import type { EventId, HistoryBucket, StoredEvent } from '../../core/event.js'
import { DEFAULT_MAX_HISTORY_POINTS, wholeBucketsFromMs } from '../event-log.js'
import { fromRow, type EventRow } from './sqlite-schema.js'

/** A read the pool runs off the main thread. */
export type ReadRequest =
  | { readonly op: 'readAfter', readonly afterId: EventId, readonly limit: number }
  | { readonly op: 'history', readonly metric: string, readonly fromMs: number, readonly toMs: number, readonly limit: number }
  | {
    readonly op: 'buckets'
    readonly metric: string
    readonly fromMs: number
    readonly toMs: number
    readonly bucketMs: number
    /** Points read at most, newest first (default 200,000); older buckets are left out. */
    readonly maxPoints?: number
  }

/** What each kind of read answers. */
export interface ReadResults {
  readAfter: StoredEvent[]
  history: StoredEvent[]
  buckets: HistoryBucket[]
}

const READ_AFTER = 'SELECT id, metric, value, ts, tags FROM events WHERE id > ? ORDER BY id LIMIT ?'

/** Newest first straight off the `(metric, ts)` index; reversed afterwards. */
const HISTORY = `SELECT id, metric, value, ts, tags FROM events
  WHERE metric = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC, id DESC LIMIT ?`

/**
 * The ts of the newest point of the range beyond the first `maxPoints`, newest first:
 * an index-only walk of at most that many entries of `(metric, ts)`.
 */
const CUT = 'SELECT ts FROM events WHERE metric = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC LIMIT 1 OFFSET ?'

/**
 * Buckets by integer division of the offset from `from` (CAST, because
 * better-sqlite3 binds JS numbers as REAL), over the points from `start` on
 * (`from` unless the range holds too many points). The aggregate pass finds each
 * bucket's earliest and latest ts; `first` and `last` are then one index
 * lookup each per bucket (ties in ts: lowest id first, highest id last).
 */
const BUCKETS = `WITH b AS (
    SELECT CAST((ts - @from) / @width AS INTEGER) AS bucket, min(value) AS min, max(value) AS max, avg(value) AS avg,
      count(*) AS count, min(ts) AS firstTs, max(ts) AS lastTs
    FROM events WHERE metric = @metric AND ts >= @start AND ts <= @to GROUP BY bucket
  )
  SELECT @from + bucket * @width AS t, min, max, avg, count,
    (SELECT value FROM events WHERE metric = @metric AND ts = b.firstTs ORDER BY id LIMIT 1) AS first,
    (SELECT value FROM events WHERE metric = @metric AND ts = b.lastTs ORDER BY id DESC LIMIT 1) AS last
  FROM b ORDER BY bucket`

interface BucketRow { t: number, min: number, max: number, avg: number, count: number, first: number, last: number }

/** Prepares every read once for a connection; `run` answers one request. */
export function prepareReads (db: Database.Database): <R extends ReadRequest>(request: R) => ReadResults[R['op']] {
  const readAfter = db.prepare<[number, number], EventRow>(READ_AFTER)
  const history = db.prepare<[string, number, number, number], EventRow>(HISTORY)
  const cut = db.prepare<[string, number, number, number], { ts: number }>(CUT)
  const buckets = db.prepare<[{ metric: string, from: number, start: number, to: number, width: number }], BucketRow>(BUCKETS)
  const run = (request: ReadRequest): ReadResults[ReadRequest['op']] => {
    switch (request.op) {
      case 'readAfter':
        return readAfter.all(request.afterId, request.limit).map(fromRow)
      case 'history':
        return history.all(request.metric, request.fromMs, request.toMs, request.limit).map(fromRow).reverse()
      case 'buckets': {
        const { metric, fromMs, toMs, bucketMs } = request
        const cutTs = cut.get(metric, fromMs, toMs, request.maxPoints ?? DEFAULT_MAX_HISTORY_POINTS)?.ts
        const start = cutTs === undefined ? fromMs : wholeBucketsFromMs(cutTs, request)
        return buckets.all({ metric, from: fromMs, start, to: toMs, width: bucketMs })
          .map(({ t, min, max, avg, first, last, count }) => ({ t, min, max, avg, first, last, count }))
      }
    }
  }
  return run as <R extends ReadRequest>(request: R) => ReadResults[R['op']]
}
