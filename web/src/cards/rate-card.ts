import type { MetricBuckets } from '../../../server/core/event.js'
import { setText } from '../dom.js'
import { formatAmount, formatRate } from '../format.js'
import { eventTotal, perSecond, runningTotal } from '../rates.js'
import { LineCard } from './line-card.js'
import type { SeriesCardOptions } from './series-card.js'

/**
 * The `rate` kind: each point counts events that just happened (1 per signup, or a
 * batch). Shows their total over the window (large), charted as a running total, and the
 * rate over the window.
 */
export class RateCard extends LineCard {
  constructor (options: SeriesCardOptions) {
    super(options, 'rate', runningTotal)
  }

  // Events sum over the bucket, placed at its end.
  protected override loadHistory (history: MetricBuckets): void {
    this.series.setHistory(history.buckets.map((bucket) => ({
      x: Math.min(bucket.t + history.bucketMs, history.toMs),
      y: bucket.avg * bucket.count
    })), history.toMs)
  }

  protected override renderFigures (): void {
    const unit = this.unit
    const total = eventTotal(this.series.points)
    setText(this.frame.value, formatAmount(total, unit))
    setText(this.frame.figures, `total in window · ${formatRate(perSecond(total, this.series.windowMs), unit)}`)
  }
}
