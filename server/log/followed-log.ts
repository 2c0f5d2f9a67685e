import type { EventId, MetricSummary, StoredEvent } from '../core/event.js'
import { CatalogCache } from './catalog-cache.js'

/** Where a follower starts: the newest and oldest ids, and the catalog, as the shared store had them. */
export interface FollowStart {
  readonly latestId: EventId
  readonly oldestId: EventId
  readonly catalog?: Iterable<MetricSummary> | undefined
}

/**
 * The part of an EventLog that several processes share (Redis, or the cluster
 * primary) which each process keeps for itself: newest and oldest id and the
 * catalog, brought forward by every event it follows, so the sync methods of
 * EventLog answer without a round trip; and the listeners of `follow`.
 */
export abstract class FollowedLog {
  readonly #listeners = new Set<(events: StoredEvent[]) => void>()
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

  follow (listener: (events: StoredEvent[]) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Starts over from what the shared store says; the catalog is kept when `start` has none. */
  protected load (start: FollowStart): void {
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

  /** The shared store's retention removed these metrics from its catalog. */
  protected forget (metrics: readonly string[]): void {
    this.#catalog.forget(metrics)
  }

  /** Hands new events (ascending ids, none followed before) to the catalog and to every listener. */
  protected deliver (events: StoredEvent[]): void {
    this.#latestId = Math.max(this.#latestId, events.at(-1)!.id)
    this.#catalog.track(events)
    for (const listener of this.#listeners) listener(events)
  }

  /** Stops every listener (close). */
  protected unfollowAll (): void {
    this.#listeners.clear()
  }
}
