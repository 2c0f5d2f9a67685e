import type { MetricBuckets } from '../../../server/core/event.js'
import { setText } from '../dom.js'
import { formatAmount, formatRate } from '../format.js'
import { bucketPoints } from '../history.js'
import { counterRates, counterTotal, perSecond } from '../rates.js'
import { LineCard } from './line-card.js'
import type { SeriesCardOptions } from './series-card.js'

/**
 * The `counter` kind: each point is the running total of a monotonic counter (it may reset
 * to zero). Shows its rate per second (large), charted between readings, and how much it
 * grew over the window, resets included.
 */
export class CounterCard extends LineCard {
  constructor (options: SeriesCardOptions) {
    super(options, 'counter', counterRates)
  }

  // A counter's bucket is its reading at the bucket's end.
  protected override loadHistory (history: MetricBuckets): void {
    this.series.setHistory(bucketPoints(history), history.toMs)
  }

  protected override renderFigures (): void {
    const points = this.series.points
    const unit = this.unit
    const latestRate = counterRates(points.slice(-2))[0]?.y
    setText(this.frame.value, latestRate === undefined ? '—' : formatRate(latestRate, unit))
    const total = counterTotal(points)
    setText(this.frame.figures, `+${formatAmount(total, unit)} in window · avg ${formatRate(perSecond(total, this.series.windowMs), unit)}`)
  }
}
