import type { MetricBuckets, StoredEvent } from '../../../server/core/event.js'
import { setText } from '../dom.js'
import { formatAmount, formatChange } from '../format.js'
import { bucketPoints } from '../history.js'
import { LineCard } from './line-card.js'
import type { SeriesCardOptions } from './series-card.js'

/**
 * The `gauge` kind, the default: latest value (large, with its `unit` tag), change over the
 * window, min, average and max over the window, tags, and a line over the window.
 */
export class GaugeCard extends LineCard {
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
}
