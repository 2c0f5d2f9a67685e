import type { MetricBuckets, StoredEvent } from '../../../server/core/event.js'
import { applyTheme, colorFor, createLineChart, markLatest, slideWindow, type LineChart } from '../chart-setup.js'
import { setText } from '../dom.js'
import { formatAmount, formatChange } from '../format.js'
import { bucketPoints } from '../history.js'
import { SeriesCard, type SeriesCardOptions } from './series-card.js'

/**
 * The gauge view, the default: latest value (large, with its `unit` tag), change over the
 * window, min, average and max over the window, tags, and a line over the window.
 */
export class LineCard extends SeriesCard<LineChart> {
  constructor (options: SeriesCardOptions) {
    super(options, 'gauge')
  }

  protected override loadHistory (history: MetricBuckets): void {
    this.series.setHistory(bucketPoints(history), history.toMs)
  }

  protected override renderFigures (_nowMs: number, latest: StoredEvent): void {
    const unit = this.unit
    setText(this.frame.value, formatAmount(latest.value, unit))
    const change = this.series.change()
    this.frame.setChange(change === undefined ? undefined : formatChange(change), change?.direction)
    const stats = this.series.stats()
    setText(this.frame.figures, stats === undefined
      ? ''
      : `min ${formatAmount(stats.min, unit)} · avg ${formatAmount(stats.avg, unit)} · max ${formatAmount(stats.max, unit)}`)
  }

  protected override createChart (nowMs: number): LineChart {
    return createLineChart(this.frame.canvas, this.series.points, this.theme, colorFor(this.metric, this.theme), this.series.windowMs, nowMs)
  }

  protected override prepareChart (chart: LineChart, nowMs: number): void {
    slideWindow(chart, this.series.windowMs, nowMs)
    markLatest(chart)
  }

  protected override restyle (chart: LineChart): void {
    applyTheme(chart, this.theme, colorFor(this.metric, this.theme), this.series.windowMs, Date.now())
  }
}
