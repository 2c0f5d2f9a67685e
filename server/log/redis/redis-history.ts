import type { HistoryBucket, Json, StoredEvent } from '../../core/event.js'
import { wholeBucketsFromMs, type BucketQuery } from '../event-log.js'

/** Members of a history sorted set, parsed, in (ts, id) order: the set orders equal scores by member text, not by id. */
export function parseMembers (members: readonly string[]): Array<{ event: StoredEvent, json: string }> {
  return members
    .map((json) => ({ event: JSON.parse(json) as StoredEvent, json }))
    .sort((a, b) => a.event.ts - b.event.ts || a.event.id - b.event.id)
}

/** The members' JSON joined into one array, without parsing and printing each again. */
export function joinMembers (parsed: ReadonlyArray<{ json: string }>): Json<StoredEvent[]> {
  return Buffer.from(`[${parsed.map(({ json }) => json).join(',')}]`)
}

/**
 * The events (in (ts, id) order) of the buckets that `maxPoints` points cover whole: all of
 * them when there are no more than `maxPoints`; otherwise the oldest event is the first one
 * past the bound, and its bucket and every older one are left out.
 */
export function newestWholeBuckets (events: readonly StoredEvent[], query: BucketQuery, maxPoints: number): readonly StoredEvent[] {
  if (events.length <= maxPoints) return events
  const startMs = wholeBucketsFromMs(events[0]!.ts, query)
  return events.filter((event) => event.ts >= startMs)
}

interface Accumulator { t: number, first: number, min: number, max: number, sum: number, count: number, last: StoredEvent }

/**
 * First, min, max, avg, last and count per bucket of `query.bucketMs`, from the events
 * of the range in (ts, id) order, with the same meaning as the SQLite query: bucket k holds
 * `fromMs + k·bucketMs ≤ ts < fromMs + (k+1)·bucketMs`, `last` is the value of
 * the latest point by ts (then id) and `first` that of the earliest (ts, then the lowest id).
 */
export function toBuckets (events: readonly StoredEvent[], query: BucketQuery): HistoryBucket[] {
  const buckets: Accumulator[] = []
  for (const event of events) {
    const t = query.fromMs + Math.floor((event.ts - query.fromMs) / query.bucketMs) * query.bucketMs
    const current = buckets.at(-1)
    if (current?.t === t) {
      current.min = Math.min(current.min, event.value)
      current.max = Math.max(current.max, event.value)
      current.sum += event.value
      current.count++
      current.last = event
    } else {
      buckets.push({ t, first: event.value, min: event.value, max: event.value, sum: event.value, count: 1, last: event })
    }
  }
  return buckets.map(({ t, first, min, max, sum, count, last }) => ({ t, first, min, max, avg: sum / count, last: last.value, count }))
}
