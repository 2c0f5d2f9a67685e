import type { HistoryBucket, MetricBuckets, MetricSummary, ResetNotice, StoredEvent } from '../../server/core/event.js'

/**
 * Runtime checks for what the server sends. The types come from server/core/event.ts;
 * these guards make sure a frame or body really has that shape before the board uses it.
 */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function isTags (value: unknown): boolean {
  return value === undefined || (isRecord(value) && Object.values(value).every((v) => typeof v === 'string'))
}

/** True for a StoredEvent: integer id, string metric, finite value and ts, string tags. */
export function isStoredEvent (value: unknown): value is StoredEvent {
  return isRecord(value) &&
    Number.isInteger(value['id']) &&
    typeof value['metric'] === 'string' &&
    Number.isFinite(value['value']) &&
    Number.isFinite(value['ts']) &&
    isTags(value['tags'])
}

/** True for the data of an `event: reset` frame. */
export function isResetNotice (value: unknown): value is ResetNotice {
  return isRecord(value) && Number.isInteger(value['requestedId']) && Number.isInteger(value['oldestId'])
}

/** True for a MetricSummary; it has every field of a StoredEvent plus `count`. */
export function isMetricSummary (value: unknown): value is MetricSummary {
  return isStoredEvent(value) && isRecord(value) && Number.isInteger(value['count'])
}

/** Returns the entries of a `GET /api/metrics` body that are well formed, or an Error for another shape. */
export function parseCatalog (body: unknown): MetricSummary[] | Error {
  if (!isRecord(body) || !Array.isArray(body['metrics'])) return new Error('metric catalog has an unexpected shape')
  return body['metrics'].filter(isMetricSummary)
}

/** True for a HistoryBucket: finite start, min, max, avg, first and last, and a positive integer count. */
export function isHistoryBucket (value: unknown): value is HistoryBucket {
  return isRecord(value) &&
    ['t', 'min', 'max', 'avg', 'first', 'last'].every((key) => Number.isFinite(value[key])) &&
    Number.isInteger(value['count']) && (value['count'] as number) > 0
}

/**
 * Checks a `GET /api/metrics/:name/history` body (time buckets) and keeps its well-formed
 * buckets; returns an Error when the envelope has another shape (for instance the raw
 * `points` body, or a bucket width that is not a positive number).
 */
export function parseBuckets (body: unknown): MetricBuckets | Error {
  if (!isRecord(body) || typeof body['metric'] !== 'string' || !Array.isArray(body['buckets']) ||
    !Number.isFinite(body['fromMs']) || !Number.isFinite(body['toMs']) ||
    !Number.isFinite(body['bucketMs']) || (body['bucketMs'] as number) <= 0) {
    return new Error('metric history has an unexpected shape')
  }
  return {
    metric: body['metric'],
    fromMs: body['fromMs'] as number,
    toMs: body['toMs'] as number,
    bucketMs: body['bucketMs'] as number,
    buckets: body['buckets'].filter(isHistoryBucket)
  }
}

/** Parses `text` as JSON and checks it with `guard`; returns an Error naming `what` instead of throwing. */
export function parseJson<T> (text: unknown, guard: (value: unknown) => value is T, what: string): T | Error {
  if (typeof text !== 'string') return new Error(`${what} has no data`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return new Error(`${what} is not JSON`, { cause: err })
  }
  return guard(value) ? value : new Error(`${what} has an unexpected shape`)
}
