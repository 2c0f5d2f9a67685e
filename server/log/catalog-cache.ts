import type { EventId, Json, MetricPoint, MetricSummary, StoredEvent } from '../core/event.js'

/** A point with its id, with no `tags` key when it has none. */
export function toEvent (id: EventId, point: MetricPoint): StoredEvent {
  const { metric, value, ts, tags } = point
  return tags === undefined ? { id, metric, value, ts } : { id, metric, value, ts, tags }
}

/** The catalog entry of a metric whose newest point is `last`. */
export function toSummary (last: StoredEvent, count: number): MetricSummary {
  const { id, metric, value, ts, tags } = last
  return tags === undefined ? { metric, value, ts, id, count } : { metric, value, ts, id, count, tags }
}

/** A value as UTF-8 JSON, ready to be written. */
export function toJson<T> (value: T): Json<T> {
  return Buffer.from(JSON.stringify(value))
}

/** Catalog order, by UTF-16 code units; names are unique, so never 0. */
export function byName (a: MetricSummary, b: MetricSummary): number {
  return a.metric < b.metric ? -1 : 1
}

/**
 * The metric catalog of a log that other processes also write, kept in memory:
 * loaded once, then brought forward by every event the process is delivered, so
 * `catalog()` answers without a round trip and agrees across processes once
 * they have been delivered the same ids.
 */
export class CatalogCache {
  readonly #entries = new Map<string, MetricSummary>()
  #sorted: MetricSummary[] | undefined

  constructor (summaries: Iterable<MetricSummary> = []) {
    for (const summary of summaries) this.#entries.set(summary.metric, summary)
  }

  has (metric: string): boolean {
    return this.#entries.has(metric)
  }

  /** Counts events (ascending ids) into the catalog. */
  track (events: readonly StoredEvent[]): void {
    for (const event of events) this.#entries.set(event.metric, toSummary(event, (this.#entries.get(event.metric)?.count ?? 0) + 1))
    if (events.length > 0) this.#sorted = undefined
  }

  /** Drops `metric` unless its newest point has an id above `upToId` (it came back since). */
  forget (metric: string, upToId: EventId): void {
    const entry = this.#entries.get(metric)
    if (entry === undefined || entry.id > upToId) return
    this.#entries.delete(metric)
    this.#sorted = undefined
  }

  /** Every metric, sorted by name; a copy the caller may keep. */
  list (): MetricSummary[] {
    this.#sorted ??= [...this.#entries.values()].sort(byName)
    return [...this.#sorted]
  }
}
