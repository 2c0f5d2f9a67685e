import type { MetricBuckets, StoredEvent } from '../../../server/core/event.js'

/** One tile of the board, showing one metric. The Board routes points to it by name. */
export interface Card {
  /** Metric name shown by this card. */
  readonly metric: string
  /** Adds a live point; points already seen (id at or below the last) are ignored. */
  push (event: StoredEvent): void
  /** Merges backfilled events (the catalog's latest point), in any order; they set the last id seen. */
  backfill (events: readonly StoredEvent[]): void
  /** Replaces the history drawn behind the events: the history endpoint's time buckets. */
  setHistory (history: MetricBuckets): void
  /** Shows or hides the card (the filter box, hidden metrics). */
  setHidden (hidden: boolean): void
  /** Draws the current state; called by the render loop at most once per frame. */
  render (nowMs: number): void
  /** Releases the chart and removes the card from the page. */
  destroy (): void
}
