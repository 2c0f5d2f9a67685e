import { colorFor, createLineChart, markLatest, restyleLine, slideWindow, type LineChart } from '../chart-setup.js'
import type { CardKind } from '../card-kind.js'
import type { ChartPoint } from '../series.js'
import { SeriesCard, type SeriesCardOptions } from './series-card.js'

/**
 * What the gauge, counter and rate cards share: a line over the window with a dot on its
 * newest point. The line is the series itself, or what `derive` makes of it on each redraw.
 */
export abstract class LineCard extends SeriesCard<LineChart> {
  readonly #derive: ((points: readonly ChartPoint[]) => ChartPoint[]) | undefined
  /** What the chart draws, read in place by Chart.js: the series' own array, or one rewritten per redraw. */
  readonly #line: ChartPoint[]

  constructor (options: SeriesCardOptions, kind: CardKind, derive?: (points: readonly ChartPoint[]) => ChartPoint[]) {
    super(options, kind)
    this.#derive = derive
    this.#line = derive === undefined ? this.series.points : []
  }

  protected override createChart (nowMs: number): LineChart {
    return createLineChart(this.frame.canvas, this.#line, this.theme, colorFor(this.metric, this.theme), this.series.windowMs, nowMs)
  }

  protected override prepareChart (chart: LineChart, nowMs: number): void {
    if (this.#derive !== undefined) this.#line.splice(0, this.#line.length, ...this.#derive(this.series.points))
    slideWindow(chart, this.series.windowMs, nowMs)
    markLatest(chart)
  }

  protected override restyle (chart: LineChart): void {
    restyleLine(chart, this.theme, colorFor(this.metric, this.theme), this.series.windowMs, Date.now())
  }
}
