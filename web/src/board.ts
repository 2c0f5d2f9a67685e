import type { MetricBuckets, StoredEvent } from '../../server/core/event.js'
import type { Card } from './cards/card.js'
import { byName } from './layout.js'
import { compileGlobs } from './metrics-param.js'

/** Counts reported to the header after every change. */
export interface BoardCounts {
  /** Cards on the board. */
  readonly total: number
  /** Cards that pass the filter box. */
  readonly visible: number
}

/** Options of a {@link Board}. */
export interface BoardOptions<C extends Card> {
  /** Builds the card of a metric seen for the first time. */
  readonly createCard: (metric: string) => C
  /** Metrics this board shows (the `?metrics=` globs); default all. */
  readonly accepts?: (metric: string) => boolean
  /** Display order; default {@link byName}. */
  readonly compare?: (a: string, b: string) => number
  /** Whether a card that passes the filter is shown (hidden metrics are not); default all. */
  readonly isShown?: (metric: string) => boolean
  /** Called when the number of cards, or of visible cards, changes: the caller re-places the cards on the page. */
  readonly onChange?: (counts: BoardCounts) => void
  /** Called for each card {@link Board.clear} removes, before it is destroyed. */
  readonly onRemove?: (card: C) => void
}

/**
 * Metric name → Card registry: routes each point of the single stream to its card and
 * adds a card, in display order, the first time a metric appears. No DOM: placing cards on
 * the page, in {@link metrics} order, is the caller's job when `onChange` reports.
 */
export class Board<C extends Card> {
  #options: BoardOptions<C>
  #cards = new Map<string, C>()
  /** Metric names in display order. */
  #order: string[] = []
  #filter: (metric: string) => boolean = () => true
  #visible = 0
  #compare: (a: string, b: string) => number

  constructor (options: BoardOptions<C>) {
    this.#options = options
    this.#compare = options.compare ?? byName
  }

  /** Metric names in display order. */
  get metrics (): readonly string[] {
    return this.#order
  }

  /** The card of `metric`, if it exists. */
  get (metric: string): C | undefined {
    return this.#cards.get(metric)
  }

  /** Routes a live point to its card, creating the card if needed. Points for other metrics are ignored. */
  push (event: StoredEvent): void {
    this.#cardFor(event.metric)?.push(event)
  }

  /** Routes backfilled events of one metric (the catalog's latest point) to its card, creating the card if needed. */
  backfill (metric: string, events: readonly StoredEvent[]): void {
    this.#cardFor(metric)?.backfill(events)
  }

  /**
   * Hands the history of one metric to its card. Never creates a card: history follows the
   * catalog, which created it, so a missing card is one this board does not show.
   */
  setHistory (metric: string, history: MetricBuckets): void {
    this.#cards.get(metric)?.setHistory(history)
  }

  /**
   * Hides cards that do not match `text`: every word of it must be part of the name
   * (case-insensitive), or match it as a glob when it holds a `*` (`btc.*`). Empty shows all.
   */
  setFilter (text: string): void {
    this.#filter = compileFilter(text)
    this.refresh()
  }

  /** Applies the filter and `isShown` to every card again (the hidden metrics changed). */
  refresh (): void {
    let visible = 0
    for (const [metric, card] of this.#cards) {
      const shown = this.#matches(metric)
      card.setHidden(!shown)
      if (shown) visible++
    }
    this.#visible = visible
    this.#report()
  }

  /** Sorts the cards again after the display order changed; the caller re-places them on the page. */
  resort (): void {
    this.#order.sort(this.#compare)
  }

  /** Removes the card of `metric` (its kind changed and it is built anew). */
  remove (metric: string): void {
    const card = this.#cards.get(metric)
    if (card === undefined) return
    this.#options.onRemove?.(card)
    card.destroy()
    this.#cards.delete(metric)
    this.#order.splice(this.#order.indexOf(metric), 1)
    this.refresh()
  }

  /** Removes every card: after a reset the ids restart or have a gap, so old state cannot be trusted. */
  clear (): void {
    for (const card of this.#cards.values()) {
      this.#options.onRemove?.(card)
      card.destroy()
    }
    this.#cards.clear()
    this.#order = []
    this.#visible = 0
    this.#report()
  }

  #cardFor (metric: string): C | undefined {
    const existing = this.#cards.get(metric)
    if (existing !== undefined) return existing
    if (this.#options.accepts?.(metric) === false) return undefined
    const card = this.#options.createCard(metric)
    this.#order.splice(insertionIndex(this.#order, metric, this.#compare), 0, metric)
    this.#cards.set(metric, card)
    const shown = this.#matches(metric)
    card.setHidden(!shown)
    if (shown) this.#visible++
    this.#report()
    return card
  }

  #matches (metric: string): boolean {
    return this.#filter(metric) && this.#options.isShown?.(metric) !== false
  }

  #report (): void {
    this.#options.onChange?.({ total: this.#cards.size, visible: this.#visible })
  }
}

/** The filter box's predicate: see {@link Board.setFilter}. */
export function compileFilter (text: string): (metric: string) => boolean {
  const words = text.trim().toLowerCase().split(/\s+/).filter((word) => word !== '')
  const tests = words.map((word) => word.includes('*') ? compileGlobs([word]) : (metric: string) => metric.includes(word))
  return (metric) => {
    const name = metric.toLowerCase()
    return tests.every((test) => test(name))
  }
}

// Binary search in names sorted by `compare`.
function insertionIndex (sorted: readonly string[], name: string, compare: (a: string, b: string) => number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (compare(sorted[mid] as string, name) < 0) low = mid + 1
    else high = mid
  }
  return low
}
