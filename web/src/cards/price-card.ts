import type { MetricBuckets, StoredEvent } from '../../../server/core/event.js'
import { CANDLE_INTERVALS_MS, CandleSeries } from '../candles.js'
import { createCandleChart, restyleCandles, fitCandles, type CandleChart } from '../candle-chart.js'
import { slideWindow } from '../chart-setup.js'
import { el, setText } from '../dom.js'
import { formatChange, formatDuration, formatPrice, formatValue } from '../format.js'
import { bucketPoints } from '../history.js'
import { SeriesCard, type SeriesCardOptions } from './series-card.js'

/** Options of a {@link PriceCard}. */
export interface PriceCardOptions extends SeriesCardOptions {
  /** Width of a candle, in ms; one of {@link CANDLE_INTERVALS_MS}. */
  readonly intervalMs: number
}

const intervalLabel = (ms: number): string => formatDuration(ms).replace(' ', '')

/**
 * The `price` kind: the last price (large, coloured by its last move, flashing on each
 * tick), change and % change since the window's start, and candles of a chosen interval
 * built from the history's buckets and then from live points (the last candle moves live).
 */
export class PriceCard extends SeriesCard<CandleChart> {
  readonly intervalMs: number
  #candles: CandleSeries
  #shownId = -1
  #shownValue: number | undefined
  /** Two classes with the same animation, alternated, restart the flash without a forced layout. */
  #flash = false

  constructor (options: PriceCardOptions) {
    super(options, 'price')
    this.intervalMs = options.intervalMs
    this.#candles = new CandleSeries({ intervalMs: options.intervalMs })
    const select = el('select', { class: 'card-interval', 'aria-label': `Candle interval of ${options.metric}` },
      CANDLE_INTERVALS_MS.map((ms) => el('option', { value: String(ms), selected: ms === options.intervalMs }, intervalLabel(ms))))
    select.addEventListener('change', () => { options.onAction(options.metric, { type: 'interval', intervalMs: Number(select.value) }) })
    this.frame.tools.prepend(select)
    this.frame.canvas.setAttribute('aria-label', `${options.metric} candles`)
  }

  protected override accepted (event: StoredEvent): void {
    this.#candles.add(event.ts, event.value)
  }

  // The change runs from the window's first price, which the line series keeps; candles are drawn.
  protected override loadHistory (history: MetricBuckets): void {
    this.series.setHistory(bucketPoints(history), history.toMs)
    this.#candles.setHistory(history)
    // Live points that came after the history's end are not in its buckets.
    for (const point of this.series.points) if (point.x > history.toMs) this.#candles.add(point.x, point.y)
  }

  protected override renderFigures (_nowMs: number, latest: StoredEvent): void {
    setText(this.frame.value, formatPrice(latest.value, this.unit))
    const change = this.series.change()
    this.frame.setChange(change === undefined ? undefined : formatChange(change), change?.direction)
    const last = this.#candles.candles.at(-1)
    setText(this.frame.figures, last === undefined
      ? ''
      : `${intervalLabel(this.intervalMs)} · O ${formatValue(last.o)} H ${formatValue(last.h)} L ${formatValue(last.l)} C ${formatValue(last.c)}`)
    if (latest.id === this.#shownId) return
    if (this.#shownValue !== undefined) {
      this.frame.value.dataset['tick'] = latest.value > this.#shownValue ? 'up' : latest.value < this.#shownValue ? 'down' : 'flat'
      this.#flash = !this.#flash
      this.frame.value.classList.toggle('flash-a', this.#flash)
      this.frame.value.classList.toggle('flash-b', !this.#flash)
    }
    this.#shownId = latest.id
    this.#shownValue = latest.value
  }

  protected override createChart (nowMs: number): CandleChart {
    return createCandleChart(this.frame.canvas, this.theme, this.series.windowMs, nowMs)
  }

  protected override prepareChart (chart: CandleChart, nowMs: number): void {
    const windowMs = this.series.windowMs
    this.#candles.trim(nowMs - windowMs)
    slideWindow(chart, windowMs, nowMs)
    fitCandles(chart, this.#candles.candles, this.intervalMs, windowMs)
  }

  protected override restyle (chart: CandleChart): void {
    restyleCandles(chart, this.theme, this.series.windowMs, Date.now())
  }
}
