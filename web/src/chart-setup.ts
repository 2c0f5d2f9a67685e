import {
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartOptions,
  type ScriptableContext,
  type TooltipItem
} from 'chart.js'
import { formatClock, formatValue, tickStepMs } from './format.js'
import type { ChartPoint } from './series.js'

/** Colours the charts read from CSS variables, so styles.css is the one place a theme lives. */
export interface ChartTheme {
  readonly text: string
  readonly grid: string
  readonly tooltipBackground: string
  readonly tooltipText: string
  readonly font: string
  /** Line colours; a card picks one by a hash of its name. */
  readonly palette: readonly string[]
  /** Colours of a rising and a falling candle. */
  readonly up: string
  readonly down: string
}

/** A line chart of one series. */
export type LineChart = Chart<'line', ChartPoint[]>

let registered = false

/**
 * Registers the Chart.js parts the cards use, and only those, so the bundle stays small
 * (a linear x axis of ms timestamps needs no date adapter). Safe to call more than once.
 */
export function setupCharts (): void {
  if (registered) return
  Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip)
  registered = true
}

/** Reads the chart colours from the CSS variables on `root` (they follow prefers-color-scheme). */
export function readTheme (root: Element): ChartTheme {
  const style = getComputedStyle(root)
  const read = (name: string): string => style.getPropertyValue(name).trim()
  const palette = read('--chart-palette').split(/\s+/).filter((c) => c.length > 0)
  return {
    text: read('--chart-text'),
    grid: read('--chart-grid'),
    tooltipBackground: read('--chart-tooltip-bg'),
    tooltipText: read('--chart-tooltip-text'),
    font: style.fontFamily,
    palette: palette.length > 0 ? palette : ['#4f8cff'],
    up: read('--up'),
    down: read('--down')
  }
}

/** Returns `#rrggbb` or `#rgb` with an alpha channel; other colour syntaxes are returned as they are. */
export function withAlpha (color: string, alpha: number): string {
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(color)
  const hex = short === null ? color : `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}`
  if (!/^#[0-9a-f]{6}$/i.test(hex)) return color
  return hex + Math.round(alpha * 255).toString(16).padStart(2, '0')
}

/** The palette colour of a metric: stable across reloads and the same on every screen. */
export function colorFor (metric: string, theme: ChartTheme): string {
  let hash = 0
  for (let i = 0; i < metric.length; i++) hash = (hash * 31 + metric.charCodeAt(i)) >>> 0
  return theme.palette[hash % theme.palette.length] as string
}

// A fill that fades out towards the x axis; it needs the chart area, which exists after the first layout.
function fadeFill (color: string) {
  return (context: ScriptableContext<'line'>): CanvasGradient | string => {
    const area = context.chart.chartArea
    if (area === undefined) return withAlpha(color, 0.15)
    const gradient = context.chart.ctx.createLinearGradient(0, area.top, 0, area.bottom)
    gradient.addColorStop(0, withAlpha(color, 0.32))
    gradient.addColorStop(1, withAlpha(color, 0))
    return gradient
  }
}

/** Axis label font of every chart. */
const tickFont = (theme: ChartTheme) => ({ family: theme.font, size: 11 })

/** A linear axis of ms timestamps on round steps over the window ending at `nowMs`: no date adapter needed. */
export function timeScale (theme: ChartTheme, windowMs: number, nowMs: number) {
  const step = tickStepMs(windowMs)
  return {
    type: 'linear',
    min: nowMs - windowMs,
    max: nowMs,
    border: { display: false },
    grid: { display: false },
    ticks: {
      color: theme.text,
      font: tickFont(theme),
      stepSize: step,
      includeBounds: false,
      maxRotation: 0,
      callback: (value: number | string) => formatClock(Number(value), step < 60_000)
    }
  } as const
}

/** Colours and fonts of every chart's tooltip. */
export function tooltipStyle (theme: ChartTheme) {
  return {
    backgroundColor: theme.tooltipBackground,
    titleColor: theme.tooltipText,
    bodyColor: theme.tooltipText,
    displayColors: false,
    titleFont: tickFont(theme),
    bodyFont: { ...tickFont(theme), size: 13, weight: 'bold' }
  } as const
}

function tooltip (theme: ChartTheme) {
  return {
    ...tooltipStyle(theme),
    // The dot dataset repeats the line's newest point.
    filter: (item: TooltipItem<'line'>) => item.datasetIndex === 0,
    callbacks: {
      title: (items: ReadonlyArray<TooltipItem<'line'>>) => formatClock(items[0]?.parsed.x ?? 0),
      label: (item: TooltipItem<'line'>) => formatValue(item.parsed.y ?? Number.NaN)
    }
  } as const
}

/** The value axis of every chart: on the right, a few formatted ticks. */
export function valueScale (theme: ChartTheme) {
  return {
    type: 'linear',
    position: 'right',
    border: { display: false },
    grid: { color: theme.grid },
    ticks: { color: theme.text, font: tickFont(theme), maxTicksLimit: 4, callback: (value: number | string) => formatValue(Number(value)) }
  } as const
}

/** Options every chart shares: drawn without animation from data in Chart.js's own shape, sized by its container. */
export const BASE_OPTIONS = {
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  parsing: false,
  layout: { padding: { top: 4 } }
} as const

function lineOptions (theme: ChartTheme, windowMs: number, nowMs: number): ChartOptions<'line'> {
  return {
    ...BASE_OPTIONS,
    normalized: true,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    scales: {
      x: timeScale(theme, windowMs, nowMs),
      y: valueScale(theme)
    },
    plugins: { tooltip: tooltip(theme) }
  }
}

/**
 * Creates a line chart of `points` (read in place) on `canvas`, without animation, with its
 * x axis on the window ending at `nowMs` (without bounds, the first layout would span from 0).
 * A second dataset holds only the newest point, drawn as a dot: it marks the live end and
 * keeps a lone point visible. A dot option per point (scriptable) would make Chart.js
 * resolve options for every point on every update, its main cost at 100 cards.
 */
export function createLineChart (
  canvas: HTMLCanvasElement,
  points: ChartPoint[],
  theme: ChartTheme,
  color: string,
  windowMs: number,
  nowMs: number
): LineChart {
  return new Chart(canvas, {
    type: 'line',
    data: {
      datasets: [{
        data: points,
        borderColor: color,
        borderWidth: 2,
        backgroundColor: fadeFill(color),
        fill: 'start',
        // Static point colours: points would otherwise inherit the scriptable fill and be resolved one by one.
        pointBackgroundColor: color,
        pointRadius: 0,
        pointHoverRadius: 4,
        pointHoverBackgroundColor: color,
        tension: 0
      }, {
        data: [],
        pointRadius: 3,
        pointBackgroundColor: color,
        pointBorderWidth: 0,
        showLine: false
      }]
    },
    options: lineOptions(theme, windowMs, nowMs)
  })
}

/** Moves the dot of a line chart to its newest point; takes effect on the next update. */
export function markLatest (chart: LineChart): void {
  const dot = chart.data.datasets[1]
  const latest = chart.data.datasets[0]?.data.at(-1)
  if (dot !== undefined) dot.data = latest === undefined ? [] : [latest]
}

/** A chart with a linear x axis of ms timestamps. */
interface WindowedChart {
  readonly options: { readonly scales?: { readonly x?: { min?: unknown, max?: unknown } } }
}

/** Moves a chart's x axis to the window ending at `nowMs`; takes effect on the next update. */
export function slideWindow (chart: WindowedChart, windowMs: number, nowMs: number): void {
  const x = chart.options.scales?.x
  if (x === undefined) return
  x.min = nowMs - windowMs
  x.max = nowMs
}

/** Re-applies colours to a line chart after the colour scheme changed; takes effect on the next update. */
export function restyleLine (chart: LineChart, theme: ChartTheme, color: string, windowMs: number, nowMs: number): void {
  const [line, dot] = chart.data.datasets
  if (line !== undefined) {
    line.borderColor = color
    line.backgroundColor = fadeFill(color)
    line.pointBackgroundColor = color
    line.pointHoverBackgroundColor = color
  }
  if (dot !== undefined) dot.pointBackgroundColor = color
  chart.options = lineOptions(theme, windowMs, nowMs)
}
