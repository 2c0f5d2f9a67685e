import type { EventId, MetricPoint, MetricSummary, StoredEvent } from '../core/event.js'
import type { EventLog, HistoryQuery } from './event-log.js'

/** Default number of recent points kept. */
export const DEFAULT_WINDOW_SIZE = 100_000
/** Default number of distinct metrics tracked in the catalog. */
export const DEFAULT_MAX_METRICS = 10_000

export interface MemoryEventLogOptions {
  /** Points kept for resume and history (default 100,000); older ones are forgotten. */
  readonly windowSize?: number
  /** Catalog size (default 10,000); past it, the metric updated least recently is dropped. */
  readonly maxMetrics?: number
  /** Id of the first point (default 1). */
  readonly firstId?: EventId
}

/**
 * An EventLog that keeps a fixed window of recent points in a ring buffer.
 * Ids are consecutive, so a resume position maps to a slot by subtraction.
 */
export class MemoryEventLog implements EventLog {
  readonly #ring: Array<StoredEvent | undefined>
  readonly #catalog = new Map<string, MetricSummary>()
  readonly #maxMetrics: number
  #nextId: EventId
  #size = 0

  constructor (options: MemoryEventLogOptions = {}) {
    this.#ring = new Array<StoredEvent | undefined>(options.windowSize ?? DEFAULT_WINDOW_SIZE)
    this.#maxMetrics = options.maxMetrics ?? DEFAULT_MAX_METRICS
    this.#nextId = options.firstId ?? 1
  }

  async append (points: readonly MetricPoint[]): Promise<StoredEvent[]> {
    const stored = points.map((point) => this.#store(point))
    return stored
  }

  async readAfter (afterId: EventId, limit: number): Promise<StoredEvent[]> {
    const from = Math.max(afterId + 1, this.oldestId())
    const to = Math.min(this.#nextId, from + limit)
    const events: StoredEvent[] = []
    for (let id = from; id < to; id++) events.push(this.#slot(id)!)
    return events
  }

  oldestId (): EventId {
    return this.#nextId - this.#size
  }

  latestId (): EventId {
    return this.#nextId - 1
  }

  catalog (): MetricSummary[] {
    // Names are unique keys, so no two entries compare equal.
    return [...this.#catalog.values()].sort((a, b) => (a.metric < b.metric ? -1 : 1))
  }

  async history (metric: string, query: HistoryQuery): Promise<StoredEvent[] | undefined> {
    if (!this.#catalog.has(metric)) return undefined
    const newestFirst: StoredEvent[] = []
    for (let id = this.latestId(); id >= this.oldestId() && newestFirst.length < query.limit; id--) {
      const event = this.#slot(id)!
      if (event.metric === metric && event.ts >= query.fromMs && event.ts <= query.toMs) newestFirst.push(event)
    }
    return newestFirst.reverse()
  }

  async close (): Promise<void> {
    this.#ring.fill(undefined)
    this.#size = 0
  }

  #slot (id: EventId): StoredEvent | undefined {
    return this.#ring[id % this.#ring.length]
  }

  #store (point: MetricPoint): StoredEvent {
    const id = this.#nextId++
    const stored: StoredEvent = point.tags === undefined
      ? { id, metric: point.metric, value: point.value, ts: point.ts }
      : { id, metric: point.metric, value: point.value, ts: point.ts, tags: point.tags }
    this.#ring[id % this.#ring.length] = stored
    this.#size = Math.min(this.#size + 1, this.#ring.length)
    this.#track(stored)
    return stored
  }

  #track (event: StoredEvent): void {
    const { id, metric, value, ts, tags } = event
    const count = (this.#catalog.get(metric)?.count ?? 0) + 1
    // Delete then set keeps the Map in least-recently-updated order for eviction.
    this.#catalog.delete(metric)
    this.#catalog.set(metric, tags === undefined ? { metric, value, ts, id, count } : { metric, value, ts, id, count, tags })
    if (this.#catalog.size > this.#maxMetrics) {
      this.#catalog.delete(this.#catalog.keys().next().value!)
    }
  }
}
