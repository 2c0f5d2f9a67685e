import type { MetricBuckets, StoredEvent } from '../../../server/core/event.js'
import type { CardKind } from '../card-kind.js'
import type { ChartTheme } from '../chart-setup.js'
import { Series } from '../series.js'
import type { Card } from './card.js'
import { CardFrame, type CardOptions } from './card-frame.js'

/** Options of every card kind built on {@link SeriesCard}. */
export interface SeriesCardOptions extends CardOptions {
  /** Most points held; see {@link Series}. */
  readonly maxPoints: number
  /** Current chart colours. */
  readonly theme: ChartTheme
  /** Asks the render loop for a frame; a card never draws on its own. */
  readonly markDirty: (card: Card) => void
}

/** The chart a card draws; Chart.js charts of every type have these. */
interface Drawable {
  update: (mode: 'none') => void
  destroy: () => void
  /** Width of the canvas, in CSS pixels. */
  readonly width: number
}

/**
 * Longest a chart waits to show live points, in ms. A chart is redrawn once its window
 * slid by a pixel (5 minutes on 300 px: once a second), as more often changes nothing
 * visible while a Chart.js update is most of a card's cost; the value and figures above
 * it follow every render.
 */
const MAX_CHART_LAG_MS = 1000

/**
 * What every card kind shares: the frame, a {@link Series} of the metric's points over the
 * window, and the rule that points only mark the card dirty while drawing waits for
 * {@link render}. Kinds say what the history means, which figures they show and what they chart.
 */
export abstract class SeriesCard<C extends Drawable> implements Card {
  readonly metric: string
  /** The card's root, `<article class="card" data-metric="…" data-kind="…">`. */
  readonly element: HTMLElement
  protected readonly frame: CardFrame
  protected readonly series: Series
  protected theme: ChartTheme
  /** Created on the first render, which only happens on screen: off-screen cards cost no canvas. */
  protected chart: C | undefined
  #markDirty: (card: Card) => void
  /** When the chart was last updated, in ms. */
  #chartDrawnAt = Number.NEGATIVE_INFINITY
  /** Set when the chart must be redrawn at the next render whatever the time: new history, colours. */
  #chartStale = true

  constructor (options: SeriesCardOptions, kind: CardKind) {
    this.metric = options.metric
    this.series = new Series({ windowMs: options.windowMs, maxPoints: options.maxPoints })
    this.theme = options.theme
    this.#markDirty = options.markDirty
    this.frame = new CardFrame(options, kind)
    this.element = this.frame.element
  }

  push (event: StoredEvent): void {
    if (!this.series.append(event)) return
    this.accepted(event)
    this.#markDirty(this)
  }

  backfill (events: readonly StoredEvent[]): void {
    if (!this.series.merge(events)) return
    for (const event of events) this.accepted(event)
    this.#chartStale = true
    this.#markDirty(this)
  }

  setHistory (history: MetricBuckets): void {
    this.loadHistory(history)
    this.#chartStale = true
    this.#markDirty(this)
  }

  setHidden (hidden: boolean): void {
    this.element.hidden = hidden
  }

  /** Shows whether the metric is pinned and whether it is hidden (listed while hidden metrics are shown). */
  setFlags (pinned: boolean, hiddenMetric: boolean): void {
    this.frame.setFlags(pinned, hiddenMetric)
  }

  /** Switches colours (the colour scheme changed); the next render shows them. */
  setTheme (theme: ChartTheme): void {
    this.theme = theme
    if (this.chart !== undefined) this.restyle(this.chart)
    this.#chartStale = true
    this.#markDirty(this)
  }

  render (nowMs: number): void {
    this.series.trim(nowMs)
    this.frame.setTags(this.series.tags)
    const latest = this.series.latest
    if (latest !== undefined) {
      this.renderFigures(nowMs, latest)
      this.frame.setUpdated(latest.ts, nowMs)
    }
    this.chart ??= this.createChart(nowMs)
    const lagMs = Math.min(MAX_CHART_LAG_MS, this.series.windowMs / Math.max(1, this.chart.width))
    if (!this.#chartStale && nowMs - this.#chartDrawnAt < lagMs) {
      // Drawn at a later render: the loop renders a dirty card again once its interval has passed.
      this.#markDirty(this)
      return
    }
    this.prepareChart(this.chart, nowMs)
    this.chart.update('none')
    this.#chartDrawnAt = nowMs
    this.#chartStale = false
  }

  destroy (): void {
    this.chart?.destroy()
    this.chart = undefined
    this.element.remove()
  }

  /** The unit of the metric, from the `unit` tag of its latest point. */
  protected get unit (): string | undefined {
    return this.series.tags?.['unit']
  }

  /** Called for each point the series took in (live or backfilled); default nothing. */
  protected accepted (_event: StoredEvent): void {}

  /** Takes in the history endpoint's buckets. */
  protected abstract loadHistory (history: MetricBuckets): void
  /** Fills in the value and the meta line. */
  protected abstract renderFigures (nowMs: number, latest: StoredEvent): void
  protected abstract createChart (nowMs: number): C
  /** Brings the chart's data and axes up to date before its one update of this frame. */
  protected abstract prepareChart (chart: C, nowMs: number): void
  /** Re-applies {@link theme} to the chart. */
  protected abstract restyle (chart: C): void
}
