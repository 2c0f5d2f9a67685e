import type { EventId, HistoryBucket, Json, MetricPoint, MetricSummary, StoredEvent } from '../core/event.js'
import type { BatchListener } from './batch-listeners.js'

/** A time range and size cap for history reads. */
export interface HistoryQuery {
  /** Inclusive lower bound, ms since epoch. */
  readonly fromMs: number
  /** Inclusive upper bound, ms since epoch. */
  readonly toMs: number
  /** Most points returned; the newest ones win. */
  readonly limit: number
}

/** Default number of points one bucketed history request reads at most: 200,000. */
export const DEFAULT_MAX_HISTORY_POINTS = 200_000
/** Default number of distinct metrics: 10,000. */
export const DEFAULT_MAX_METRICS = 10_000
/** Default age after which a point is deleted: 7 days, in ms. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000

/** A time range cut into buckets of equal width. */
export interface BucketQuery {
  /** Inclusive lower bound, ms since epoch; the first bucket starts here. */
  readonly fromMs: number
  /** Inclusive upper bound, ms since epoch. */
  readonly toMs: number
  /** Width of one bucket in ms. */
  readonly bucketMs: number
}

/**
 * Where the buckets of `query` start to be whole, when only the points newer than
 * `cutTs` (the newest point not read) have been read: the start of the bucket after
 * the one holding `cutTs`. Bucketed history reads the newest points first, up to a
 * bound, and leaves out the bucket it could not finish and every older one, so each
 * bucket it answers is exact.
 */
export function wholeBucketsFromMs (cutTs: number, query: BucketQuery): number {
  return query.fromMs + (Math.floor((cutTs - query.fromMs) / query.bucketMs) + 1) * query.bucketMs
}

/** What /healthz shows of the store behind a log. */
export interface StoreState {
  /** `sqlite`: the embedded file; `redis`: Redis Streams; `primary`: the cluster primary's SQLite log, over IPC. */
  readonly kind: 'sqlite' | 'redis' | 'primary'
  readonly state: 'up' | 'down'
  /** Present once Redis has lost acknowledged points: when that was seen, and the first id after it. */
  readonly dataLoss?: { readonly detectedAt: string, readonly continuesFromId: EventId }
}

/**
 * The append-only log behind publishing, resume and history. Ids are integers
 * that only ever grow; a reader resumes by asking for everything after an id.
 */
export interface EventLog {
  /** Stores points atomically and returns them with their ids, in order. */
  append: (points: readonly MetricPoint[]) => Promise<StoredEvent[]>
  /** Up to `limit` events with an id above `afterId`, ascending, unfiltered. */
  readAfter: (afterId: EventId, limit: number) => Promise<StoredEvent[]>
  /** Oldest id that can still be read; `latestId() + 1` when nothing is retained. */
  oldestId: () => EventId
  /** Newest id given out; 0 before the first append. */
  latestId: () => EventId
  /** Every known metric with its last point and count, sorted by name. */
  catalog: () => MetricSummary[]
  /** Points of one metric in a time range, oldest first, as JSON text; undefined for an unknown metric. */
  history: (metric: string, query: HistoryQuery) => Promise<Json<StoredEvent[]> | undefined>
  /** Min, max, avg, first, last and count per time bucket that holds points, as JSON text; undefined for an unknown metric. */
  buckets: (metric: string, query: BucketQuery) => Promise<Json<HistoryBucket[]> | undefined>
  close: () => Promise<void>
  /**
   * Calls `listener` with every batch of new events once it is durable, in id
   * order, each event once: the batches of every process that shares the log
   * (Redis, a cluster's primary), of this process alone otherwise. The one way
   * events reach the hub. Returns a function that stops.
   */
  onAppended: (listener: BatchListener) => () => void
  /** Brings `latestId()` and `oldestId()` up to what every process that shares the log has appended so far. */
  sync: () => Promise<void>
  /** The store's kind and reachability. */
  state: () => StoreState
}
