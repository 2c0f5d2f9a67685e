import type { MetricBuckets } from '../../../server/core/event.js'
import { applyTheme, colorFor, createLineChart, markLatest, slideWindow, type LineChart } from '../chart-setup.js'
import { setText } from '../dom.js'
import { formatAmount, formatRate } from '../format.js'
import { bucketPoints } from '../history.js'
import { counterRates, counterTotal, eventTotal, perSecond, runningTotal } from '../rates.js'
import type { ChartPoint } from '../series.js'
import { SeriesCard, type SeriesCardOptions } from './series-card.js'

/** Options of a {@link CounterCard}. */
export interface CounterCardOptions extends SeriesCardOptions {
  /**
   * `counter`: each point is the running total of a monotonic counter (it may reset to
   * zero); `rate`: each point counts events that just happened (1 per signup, or a batch).
   */
  readonly mode: 'counter' | 'rate'
}

/**
 * The counter and events views. A counter shows its rate per second (large), charted
 * between readings, and how much it grew over the window, resets included. Events show
 * their total over the window (large), charted as a running total, and the rate over it.
 */
export class CounterCard extends SeriesCard<LineChart> {
  readonly mode: 'counter' | 'rate'
  /** What the chart draws, derived from the series on each render; mutated in place for Chart.js. */
  #drawn: ChartPoint[] = []

  constructor (options: CounterCardOptions) {
    super(options, options.mode)
    this.mode = options.mode
  }

  // A counter's bucket is its reading at the bucket's end; events sum over the bucket.
  protected override loadHistory (history: MetricBuckets): void {
    if (this.mode === 'counter') {
      this.series.setHistory(bucketPoints(history), history.toMs)
      return
    }
    this.series.setHistory(history.buckets.map((bucket) => ({
      x: Math.min(bucket.t + history.bucketMs, history.toMs),
      y: bucket.avg * bucket.count
    })), history.toMs)
  }

  protected override renderFigures (): void {
    const points = this.series.points
    const unit = this.unit
    const spanMs = this.series.windowMs
    if (this.mode === 'counter') {
      const latestRate = counterRates(points.slice(-2))[0]?.y
      setText(this.frame.value, latestRate === undefined ? '—' : formatRate(latestRate, unit))
      const total = counterTotal(points)
      setText(this.frame.figures, `+${formatAmount(total, unit)} in window · avg ${formatRate(perSecond(total, spanMs), unit)}`)
      return
    }
    const total = eventTotal(points)
    setText(this.frame.value, formatAmount(total, unit))
    setText(this.frame.figures, `total in window · ${formatRate(perSecond(total, spanMs), unit)}`)
  }

  protected override createChart (nowMs: number): LineChart {
    return createLineChart(this.frame.canvas, this.#drawn, this.theme, colorFor(this.metric, this.theme), this.series.windowMs, nowMs)
  }

  protected override prepareChart (chart: LineChart, nowMs: number): void {
    const points = this.mode === 'counter' ? counterRates(this.series.points) : runningTotal(this.series.points)
    this.#drawn.splice(0, this.#drawn.length, ...points)
    slideWindow(chart, this.series.windowMs, nowMs)
    markLatest(chart)
  }

  protected override restyle (chart: LineChart): void {
    applyTheme(chart, this.theme, colorFor(this.metric, this.theme), this.series.windowMs, Date.now())
  }
}
