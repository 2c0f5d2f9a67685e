/**
 * The data types that cross layers. The web dashboard imports these with
 * `import type`, so the wire format is defined once.
 */

/**
 * UTF-8 JSON of a `T`, serialized once where it was produced (a reader
 * thread) and handed over without a copy, so the event loop only writes it.
 */
export type Json<T> = Uint8Array & { readonly __json?: T }

/** Server-assigned id of a stored point: an integer, strictly increasing over the whole stream. */
export type EventId = number

/** Tags attached to a point: at most 16 string → string pairs. */
export type Tags = Readonly<Record<string, string>>

/** A validated metric point, before the log has given it an id. `ts` is ms since the Unix epoch. */
export interface MetricPoint {
  readonly metric: string
  readonly value: number
  readonly ts: number
  readonly tags?: Tags
}

/** A point as stored and streamed: the `data:` of every `event: metric` frame. */
export interface StoredEvent extends MetricPoint {
  readonly id: EventId
}

/** One entry of `GET /api/metrics`. */
export interface MetricSummary {
  readonly metric: string
  readonly value: number
  readonly ts: number
  readonly id: EventId
  readonly count: number
  readonly tags?: Tags
}

/** Body of `GET /api/metrics`. */
export interface MetricCatalog {
  readonly metrics: readonly MetricSummary[]
}

/** One time bucket of a metric's history: figures over the points with `t ≤ ts < t + bucketMs`. */
export interface HistoryBucket {
  /** Start of the bucket, ms since epoch. */
  readonly t: number
  readonly min: number
  readonly max: number
  readonly avg: number
  /** Value of the bucket's earliest point by ts (the open of a candle); ties go to the lowest id. */
  readonly first: number
  /** Value of the bucket's latest point by ts. */
  readonly last: number
  readonly count: number
}

/** Body of `GET /api/metrics/:name/history`: at most `points` buckets over the range, oldest first. */
export interface MetricBuckets {
  readonly metric: string
  readonly fromMs: number
  readonly toMs: number
  /** Width of each bucket in ms. */
  readonly bucketMs: number
  /** Only buckets that hold points. */
  readonly buckets: readonly HistoryBucket[]
}

/** Body of `GET /api/metrics/:name/history?raw=1`: raw points, oldest first. */
export interface MetricHistory {
  readonly metric: string
  readonly points: readonly StoredEvent[]
}

/** Body of a `202` answer to `POST /api/events`. */
export interface PublishAck {
  readonly accepted: number
  readonly firstId: EventId
  readonly lastId: EventId
}

/** Body of every 4xx/5xx answer. */
export interface ApiError {
  readonly statusCode: number
  readonly code: string
  readonly error: string
  readonly message: string
}

/** SSE event names used on `/api/stream`. */
export const StreamEvent = {
  /** One stored point; `data` is a StoredEvent. */
  metric: 'metric',
  /** The resume point is older than what the server retains: the client must backfill. */
  reset: 'reset'
} as const

/** `data` of an `event: reset` frame. */
export interface ResetNotice {
  /** The id the client asked to resume after. */
  readonly requestedId: EventId
  /** The oldest id the server could still replay, or the next id when nothing is retained. */
  readonly oldestId: EventId
}
