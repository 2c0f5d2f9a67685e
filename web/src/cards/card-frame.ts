import type { Tags } from '../../../server/core/event.js'
import type { CardAction } from '../card-action.js'
import { CARD_KINDS, KIND_LABELS, type CardKind } from '../card-kind.js'
import { el, setText } from '../dom.js'
import { formatAgo, formatClock } from '../format.js'

/** Options every card kind takes. */
export interface CardOptions {
  readonly metric: string
  /** Width of the rolling window, in ms. */
  readonly windowMs: number
  /** Whether the card is pinned (its pin button shows pressed). */
  readonly pinned: boolean
  /** Whether the metric is hidden (shown only while hidden metrics are listed). */
  readonly hiddenMetric: boolean
  /** Receives the card's control actions. */
  readonly onAction: (metric: string, action: CardAction) => void
}

const ARROWS = { up: '▲', down: '▼', flat: '■' } as const

function button (label: string, text: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  const element = el('button', { type: 'button', class: 'card-button', 'aria-label': label, title: label.replace(/ \S+$/, ''), ...attrs }, text)
  element.addEventListener('click', onClick)
  return element
}

/**
 * The parts every card kind shares: name, time of the last update, the menu (kind,
 * pin, move up/down, hide), a large value, a meta line (change chips, figures, tags) and
 * the chart area. Kinds fill these in; the frame owns only the DOM.
 */
export class CardFrame {
  readonly element: HTMLElement
  readonly value: HTMLElement
  readonly meta: HTMLElement
  /** The change chip: `data-direction` up, down or flat. */
  readonly change: HTMLElement
  readonly figures: HTMLElement
  readonly canvas: HTMLCanvasElement
  readonly tools: HTMLElement
  #metric: string
  #pin: HTMLButtonElement
  #hide: HTMLButtonElement
  #updated: HTMLTimeElement
  #tags: HTMLElement
  #tagsKey = ''

  constructor (options: CardOptions, kind: CardKind) {
    const { metric, onAction } = options
    this.#metric = metric
    const act = (action: CardAction) => () => { onAction(metric, action) }
    this.value = el('div', { class: 'card-value' }, '—')
    this.change = el('span', { class: 'card-change', 'data-direction': 'flat' })
    this.figures = el('span', { class: 'card-figures' })
    this.#updated = el('time', { class: 'card-updated' })
    this.#tags = el('ul', { class: 'card-tags', 'aria-label': 'tags', hidden: true })
    this.meta = el('div', { class: 'card-meta' }, [this.change, this.figures, this.#tags])
    this.canvas = el('canvas', { role: 'img', 'aria-label': `${metric} over time` })
    const select = el('select', { class: 'card-kind', 'aria-label': `Kind of ${metric}` },
      CARD_KINDS.map((k) => el('option', { value: k, selected: k === kind }, KIND_LABELS[k])))
    select.addEventListener('change', () => { onAction(metric, { type: 'kind', kind: select.value as CardKind }) })
    this.#pin = button(`Pin ${metric}`, '★', act({ type: 'pin' }), { 'data-action': 'pin' })
    this.#hide = button(`Hide ${metric}`, '✕', act({ type: 'hide' }), { 'data-action': 'hide' })
    this.tools = el('div', { class: 'card-tools' }, [
      select,
      this.#pin,
      button(`Move ${metric} up`, '↑', act({ type: 'move', delta: -1 }), { 'data-action': 'up' }),
      button(`Move ${metric} down`, '↓', act({ type: 'move', delta: 1 }), { 'data-action': 'down' }),
      this.#hide
    ])
    this.element = el('article', { class: 'card', 'data-metric': metric, 'data-kind': kind, 'aria-label': metric }, [
      el('header', { class: 'card-head' }, [
        el('h2', { class: 'card-name', title: metric }, metric),
        this.#updated
      ]),
      this.tools,
      this.value,
      this.meta,
      el('div', { class: 'card-chart' }, [this.canvas])
    ])
    this.setFlags(options.pinned, options.hiddenMetric)
  }

  /** Shows whether the metric is pinned and whether it is hidden, on the card and its buttons. */
  setFlags (pinned: boolean, hiddenMetric: boolean): void {
    const metric = this.#metric
    this.element.toggleAttribute('data-pinned', pinned)
    this.element.toggleAttribute('data-hidden-metric', hiddenMetric)
    this.#pin.setAttribute('aria-pressed', String(pinned))
    this.#pin.setAttribute('aria-label', pinned ? `Unpin ${metric}` : `Pin ${metric}`)
    this.#pin.title = pinned ? 'Unpin' : 'Pin'
    this.#hide.setAttribute('aria-label', hiddenMetric ? `Show ${metric} again` : `Hide ${metric}`)
    this.#hide.title = hiddenMetric ? 'Show again' : 'Hide'
    setText(this.#hide, hiddenMetric ? '↺' : '✕')
  }

  /** Shows a change as `▲ +49.5 (+0.08%)`, coloured by its direction; undefined clears it. */
  setChange (text: string | undefined, direction: 'up' | 'down' | 'flat' = 'flat'): void {
    setText(this.change, text === undefined ? '' : `${ARROWS[direction]} ${text}`)
    this.change.dataset['direction'] = direction
  }

  /** Shows when the last point was stamped. */
  setUpdated (ts: number, nowMs: number): void {
    setText(this.#updated, formatAgo(ts, nowMs))
    this.#updated.dateTime = new Date(ts).toISOString()
    this.#updated.title = `Last update ${formatClock(ts)}`
  }

  /** Shows the tags as chips, sorted by key; redrawn only when they change. */
  setTags (tags: Tags | undefined): void {
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
}
