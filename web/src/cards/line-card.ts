import type { StoredEvent, Tags } from '../../../server/core/event.js'
import { applyTheme, colorFor, createLineChart, type ChartTheme, type LineChart } from '../chart-setup.js'
import { el, setText } from '../dom.js'
import { formatAgo, formatChange, formatClock, formatValue } from '../format.js'
import { Series, type ChartPoint } from '../series.js'
import type { Card } from './card.js'

/** Options of a {@link LineCard}. */
export interface LineCardOptions {
  readonly metric: string
  /** Width of the rolling window, in ms. */
  readonly windowMs: number
  /** Most points held; see {@link Series}. */
  readonly maxPoints: number
  /** Current chart colours. */
  readonly theme: ChartTheme
  /** Asks the render loop for a frame; the card never draws on its own. */
  readonly markDirty: (card: LineCard) => void
}

/**
 * A metric as a tile: name, latest value (large), change over the window, time of the
 * last update, tags as chips, and a Chart.js line over the rolling window. Points only
 * update the {@link Series} and mark the card dirty; drawing happens in {@link render}.
 */
export class LineCard implements Card {
  readonly metric: string
  /** The card's root, `<article class="card" data-metric="…">`. */
  readonly element: HTMLElement
  #series: Series
  #theme: ChartTheme
  #markDirty: (card: LineCard) => void
  #chart: LineChart | undefined
  #canvas: HTMLCanvasElement
  #value: HTMLElement
  #change: HTMLElement
  #updated: HTMLTimeElement
  #tags: HTMLElement
  #tagsKey = ''

  constructor (options: LineCardOptions) {
    this.metric = options.metric
    this.#series = new Series({ windowMs: options.windowMs, maxPoints: options.maxPoints })
    this.#theme = options.theme
    this.#markDirty = options.markDirty
    this.#value = el('div', { class: 'card-value' }, '—')
    this.#change = el('span', { class: 'card-change', 'data-direction': 'flat' })
    this.#updated = el('time', { class: 'card-updated' })
    this.#tags = el('ul', { class: 'card-tags', 'aria-label': 'tags', hidden: true })
    this.#canvas = el('canvas', { role: 'img', 'aria-label': `${options.metric} over time` })
    this.element = el('article', { class: 'card', 'data-metric': options.metric }, [
      el('header', { class: 'card-head' }, [
        el('h2', { class: 'card-name', title: options.metric }, options.metric),
        this.#updated
      ]),
      this.#value,
      el('div', { class: 'card-meta' }, [this.#change, this.#tags]),
      el('div', { class: 'card-chart' }, [this.#canvas])
    ])
  }

  push (event: StoredEvent): void {
    if (this.#series.append(event)) this.#markDirty(this)
  }

  backfill (events: readonly StoredEvent[]): void {
    if (this.#series.merge(events)) this.#markDirty(this)
  }

  setHistory (points: readonly ChartPoint[]): void {
    if (this.#series.setHistory(points)) this.#markDirty(this)
  }

  setHidden (hidden: boolean): void {
    this.element.hidden = hidden
  }

  /** Switches colours (the colour scheme changed); the next render shows them. */
  setTheme (theme: ChartTheme): void {
    this.#theme = theme
    if (this.#chart !== undefined) {
      applyTheme(this.#chart, theme, colorFor(this.metric, theme), this.#series.windowMs, Date.now())
    }
    this.#markDirty(this)
  }

  render (nowMs: number): void {
    this.#series.trim(nowMs)
    this.#renderFigures(nowMs)
    this.#renderTags(this.#series.tags)
    this.#renderChart(nowMs)
  }

  destroy (): void {
    this.#chart?.destroy()
    this.#chart = undefined
    this.element.remove()
  }

  #renderFigures (nowMs: number): void {
    const latest = this.#series.latest
    if (latest === undefined) return
    setText(this.#value, formatValue(latest.value))
    const change = this.#series.change()
    setText(this.#change, change === undefined ? '' : `${arrow[change.direction]} ${formatChange(change)}`)
    this.#change.dataset['direction'] = change?.direction ?? 'flat'
    setText(this.#updated, formatAgo(latest.ts, nowMs))
    this.#updated.dateTime = new Date(latest.ts).toISOString()
    this.#updated.title = `Last update ${formatClock(latest.ts)}`
  }

  #renderTags (tags: Tags | undefined): void {
    const entries = Object.entries(tags ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const key = JSON.stringify(entries)
    if (key === this.#tagsKey) return
    this.#tagsKey = key
    this.#tags.replaceChildren(...entries.map(([name, value]) =>
      el('li', { class: 'chip', title: `${name}=${value}` }, [
        el('span', { class: 'chip-key' }, name),
        el('span', { class: 'chip-value' }, value)
      ])))
    this.#tags.hidden = entries.length === 0
  }

  // The chart is created on the first render, which only happens on screen: off-screen
  // cards cost no canvas until they are scrolled to.
  #renderChart (nowMs: number): void {
    const windowMs = this.#series.windowMs
    this.#chart ??= createLineChart(
      this.#canvas, this.#series.points, this.#theme, colorFor(this.metric, this.#theme), windowMs, nowMs)
    const x = this.#chart.options.scales?.['x']
    if (x !== undefined) {
      x.min = nowMs - windowMs
      x.max = nowMs
    }
    this.#chart.update('none')
  }
}

const arrow = { up: '▲', down: '▼', flat: '■' } as const
