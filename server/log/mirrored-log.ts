import type { EventId, MetricSummary, StoredEvent } from '../core/event.js'
import { BatchListeners, type BatchListener } from './batch-listeners.js'
import { CatalogCache } from './catalog-cache.js'

/** Where a mirror starts: the newest and oldest ids, and the catalog, as the shared store had them. */
export interface MirrorStart {
  readonly latestId: EventId
  readonly oldestId: EventId
  readonly catalog?: Iterable<MetricSummary> | undefined
}

/**
 * What each process keeps for itself of an EventLog that several processes
 * share (Redis, or the cluster primary): newest and oldest id and the catalog,
 * brought forward by every batch the shared store delivers, so the sync methods
 * of EventLog answer without a round trip; and the listeners of `onAppended`.
 */
export abstract class MirroredLog {
  readonly #listeners = new BatchListeners()
  #catalog = new CatalogCache()
  #latestId: EventId = 0
  #oldestId: EventId = 1

  oldestId (): EventId {
    return this.#oldestId
  }

  latestId (): EventId {
    return this.#latestId
  }

  catalog (): MetricSummary[] {
    return this.#catalog.list()
  }

  onAppended (listener: BatchListener): () => void {
    return this.#listeners.add(listener)
  }

  /** Starts over from what the shared store says; the catalog is kept when `start` has none. */
  protected load (start: MirrorStart): void {
    if (start.catalog !== undefined) this.#catalog = new CatalogCache(start.catalog)
    this.#latestId = Math.max(this.#latestId, start.latestId)
    this.retained(start.oldestId)
  }

  /** The shared store now keeps ids from `oldestId` on. */
  protected retained (oldestId: EventId): void {
    this.#oldestId = oldestId
  }

  /** An append of this process went through, up to `lastId`. */
  protected appended (lastId: EventId): void {
    this.#latestId = Math.max(this.#latestId, lastId)
  }

  /** Whether the metric is in this process's catalog. */
  protected knows (metric: string): boolean {
    return this.#catalog.has(metric)
  }

  /** Drops metrics the shared store no longer has, unless a point newer than `upToId` brought them back. */
  protected forget (metrics: readonly string[], upToId: EventId): void {
    for (const metric of metrics) this.#catalog.forget(metric, upToId)
  }

  /** Hands new events (ascending ids, none delivered before) to the catalog and to every listener. */
  protected deliver (events: StoredEvent[]): void {
    this.#latestId = Math.max(this.#latestId, events.at(-1)!.id)
    this.#catalog.track(events)
    this.#listeners.emit(events)
  }

  /** Removes every listener (close). */
  protected stopListeners (): void {
    this.#listeners.clear()
  }
}
