import { Chart, type ChartOptions, type TooltipItem } from 'chart.js'
import { CandlestickController, CandlestickElement } from 'chartjs-chart-financial'
import type { Candle } from './candles.js'
import { BASE_OPTIONS, timeScale, tooltipStyle, valueScale, withAlpha, type ChartTheme } from './chart-setup.js'
import { formatClock, formatValue } from './format.js'

/** A candlestick chart of one price. */
export type CandleChart = Chart<'candlestick', Candle[]>

/** Share of an interval's width a candle body fills. */
const BODY_SHARE = 0.7

let registered = false

/** Registers the candlestick controller and element (chartjs-chart-financial); safe to call more than once. */
export function setupCandles (): void {
  if (registered) return
  Chart.register(CandlestickController, CandlestickElement)
  registered = true
}

function candleOptions (theme: ChartTheme, windowMs: number, nowMs: number): ChartOptions<'candlestick'> {
  return {
    ...BASE_OPTIONS,
    // The controller's default x axis is a time series, which needs a date adapter; ours is linear ms.
    // The value axis is fitted to the candles (see fitCandles), so its ends are not round: no labels there.
    scales: {
      x: { ...timeScale(theme, windowMs, nowMs), offset: false },
      y: { ...valueScale(theme), ticks: { ...valueScale(theme).ticks, includeBounds: false } }
    },
    plugins: {
      tooltip: {
        ...tooltipStyle(theme),
        intersect: false,
        mode: 'index',
        callbacks: {
          title: (items: ReadonlyArray<TooltipItem<'candlestick'>>) => formatClock((items[0]?.raw as Candle | undefined)?.x ?? 0),
          label: (item: TooltipItem<'candlestick'>) => {
            const { o, h, l, c } = item.raw as Candle
            return `O ${formatValue(o)}  H ${formatValue(h)}  L ${formatValue(l)}  C ${formatValue(c)}`
          }
        }
      }
    }
  }
}

function colours (theme: ChartTheme) {
  return {
    borderColors: { up: theme.up, down: theme.down, unchanged: theme.text },
    backgroundColors: { up: withAlpha(theme.up, 0.85), down: withAlpha(theme.down, 0.85), unchanged: theme.text }
  }
}

/** Creates an empty candlestick chart on the window ending at `nowMs`, without animation; {@link fitCandles} fills it. */
export function createCandleChart (canvas: HTMLCanvasElement, theme: ChartTheme, windowMs: number, nowMs: number): CandleChart {
  return new Chart(canvas, {
    type: 'candlestick',
    data: { datasets: [{ data: [], borderWidth: 1, ...colours(theme) }] },
    options: candleOptions(theme, windowMs, nowMs)
  })
}

/**
 * Hands the chart this frame's candles, sizes their bodies to the interval (the bar
 * controller would size them by the nearest two candles, so a lone candle would fill the
 * chart) and the value axis to their range (the controller's own is 0 to 1 below two
 * candles). Takes effect on the next update.
 */
export function fitCandles (chart: CandleChart, candles: readonly Candle[], intervalMs: number, windowMs: number): void {
  const dataset = chart.data.datasets[0]
  const width = chart.chartArea?.width ?? chart.width
  if (dataset !== undefined) {
    // A copy: Chart.js watches the array it holds and lays out bars on every push, which
    // throws before its first layout and costs a pass per point after it.
    dataset.data = [...candles]
    dataset.barThickness = Math.max(1, (width * intervalMs * BODY_SHARE) / windowMs)
  }
  const y = chart.options.scales?.['y']
  if (y === undefined) return
  let low = Number.POSITIVE_INFINITY
  let high = Number.NEGATIVE_INFINITY
  for (const candle of candles) {
    low = Math.min(low, candle.l)
    high = Math.max(high, candle.h)
  }
  // A flat range gets a margin so the candle is not drawn on the axis's edge.
  const margin = high > low ? (high - low) * 0.08 : Math.max(Math.abs(high) * 0.001, 1e-9)
  y.min = Number.isFinite(low) ? low - margin : undefined
  y.max = Number.isFinite(high) ? high + margin : undefined
}

/** Re-applies colours after the theme changed; takes effect on the next update. */
export function restyleCandles (chart: CandleChart, theme: ChartTheme, windowMs: number, nowMs: number): void {
  const dataset = chart.data.datasets[0]
  if (dataset !== undefined) Object.assign(dataset, colours(theme))
  chart.options = candleOptions(theme, windowMs, nowMs)
}
