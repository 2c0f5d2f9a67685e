import { CANDLE_INTERVALS_MS } from './candles.js'
import { isCardKind, type CardKind } from './card-kind.js'
import { DEFAULT_WINDOW_MS } from './series.js'

/**
 * The board's layout: window, grouping, pinned, hidden and moved cards, card kinds and
 * candle intervals chosen by the user, and the filter text. Kept in the URL's hash (a
 * link shares it) and in localStorage. Pure: no DOM, unit-tested in Node.
 */

/** Time windows offered by the window selector, in ms, with their URL names. */
export const WINDOWS: ReadonlyArray<{ readonly name: string, readonly ms: number }> = [
  { name: '1m', ms: 60_000 },
  { name: '5m', ms: 5 * 60_000 },
  { name: '15m', ms: 15 * 60_000 },
  { name: '1h', ms: 60 * 60_000 },
  { name: '24h', ms: 24 * 60 * 60_000 }
]
/** Most metric names read from one list of a URL or stored layout; the rest are ignored. */
export const MAX_LIST = 1000
/** Longest metric name kept (the server's limit). */
const MAX_NAME = 200
/** Longest filter text kept. */
const MAX_FILTER = 200

/** A board layout; every field has a default, so any part of it may be missing from a URL. */
export interface Layout {
  /** Width of every card's window, in ms; one of {@link WINDOWS}. */
  readonly windowMs: number
  /** Whether cards are grouped by the prefix of their name (`btc.*`). Default true. */
  readonly grouped: boolean
  /** Pinned metrics, shown first, in this order. */
  readonly pinned: readonly string[]
  /** Hidden metrics. */
  readonly hidden: readonly string[]
  /** Display order of moved cards; metrics not listed follow, by name. */
  readonly order: readonly string[]
  /** Kinds the user chose, by metric. A Map: a metric may be named `constructor` or `toString`. */
  readonly kinds: ReadonlyMap<string, CardKind>
  /** Candle intervals the user chose for price cards, by metric, in ms. */
  readonly intervals: ReadonlyMap<string, number>
  /** Text of the filter box. */
  readonly filter: string
}

/** The layout of a fresh board. */
export const DEFAULT_LAYOUT: Layout = Object.freeze({
  windowMs: DEFAULT_WINDOW_MS,
  grouped: true,
  pinned: [],
  hidden: [],
  order: [],
  kinds: new Map(),
  intervals: new Map(),
  filter: ''
})

const intervalName = (ms: number): string => `${ms / 1000}s`

function split (text: string | null): Set<string> {
  const seen = new Set<string>()
  for (const item of (text ?? '').split(',').slice(0, MAX_LIST)) {
    if (item.length > 0 && item.length <= MAX_NAME) seen.add(item)
  }
  return seen
}

const names = (text: string | null): string[] => [...split(text)].filter((name) => !name.includes('~'))

function pairs<V> (text: string | null, parse: (value: string) => V | undefined): Map<string, V> {
  const result = new Map<string, V>()
  for (const entry of split(text)) {
    const [name, raw, extra] = entry.split('~')
    const value = raw === undefined ? undefined : parse(raw)
    if (name !== undefined && name !== '' && extra === undefined && value !== undefined) result.set(name, value)
  }
  return result
}

// Names hold only [A-Za-z0-9_.:/-], all safe in a fragment, so lists stay readable and short.
const list = (items: readonly string[]): string => items.map(encodeURI).join(',')
const entries = <V>(map: ReadonlyMap<string, V>, show: (v: V) => string): string =>
  [...map].map(([name, value]) => `${encodeURI(name)}~${show(value)}`).join(',')

/** The layout as a URL hash (without `#`), listing only what differs from {@link DEFAULT_LAYOUT}. */
export function encodeLayout (layout: Layout): string {
  const parts: string[] = []
  const window = WINDOWS.find((w) => w.ms === layout.windowMs && w.ms !== DEFAULT_WINDOW_MS)
  if (window !== undefined) parts.push(`w=${window.name}`)
  if (!layout.grouped) parts.push('g=0')
  if (layout.pinned.length > 0) parts.push(`pin=${list(layout.pinned)}`)
  if (layout.hidden.length > 0) parts.push(`hide=${list(layout.hidden)}`)
  if (layout.order.length > 0) parts.push(`order=${list(layout.order)}`)
  if (layout.kinds.size > 0) parts.push(`kind=${entries(layout.kinds, String)}`)
  if (layout.intervals.size > 0) parts.push(`iv=${entries(layout.intervals, intervalName)}`)
  if (layout.filter !== '') parts.push(`q=${encodeURIComponent(layout.filter)}`)
  return parts.join('&')
}

function parseInterval (text: string): number | undefined {
  const ms = Number(text.replace(/s$/, '')) * 1000
  return CANDLE_INTERVALS_MS.includes(ms) ? ms : undefined
}

/**
 * Reads a layout from a URL hash (with or without `#`) or a stored string. Never throws:
 * whatever is malformed, unknown or too long is left at its default, so a mangled link
 * still opens the board.
 */
export function decodeLayout (text: string): Layout {
  const params = new URLSearchParams(text.startsWith('#') ? text.slice(1) : text)
  const windowMs = WINDOWS.find((w) => w.name === params.get('w'))?.ms ?? DEFAULT_WINDOW_MS
  return {
    windowMs,
    grouped: params.get('g') !== '0',
    pinned: names(params.get('pin')),
    hidden: names(params.get('hide')),
    order: names(params.get('order')),
    kinds: pairs(params.get('kind'), (value) => (isCardKind(value) ? value : undefined)),
    intervals: pairs(params.get('iv'), parseInterval),
    filter: (params.get('q') ?? '').slice(0, MAX_FILTER)
  }
}

/** Orders names by code unit, which is the same in every locale. */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** The group of a metric: its name up to the first dot (`btc.usd` → `btc`), or the whole name. */
export function groupOf (metric: string): string {
  const dot = metric.indexOf('.')
  return dot > 0 ? metric.slice(0, dot) : metric
}

/**
 * Display order under `layout`: pinned cards first in pinned order; then, by group when
 * grouped; then moved cards in their order; then by name (code unit order, the same in every locale).
 */
export function compareMetrics (layout: Layout): (a: string, b: string) => number {
  const pinned = new Map(layout.pinned.map((name, i) => [name, i]))
  const order = new Map(layout.order.map((name, i) => [name, i]))
  const rank = (map: Map<string, number>, name: string): number => map.get(name) ?? Number.POSITIVE_INFINITY
  return (a, b) => {
    if (pinned.has(a) || pinned.has(b)) return rank(pinned, a) < rank(pinned, b) ? -1 : 1
    if (layout.grouped) {
      const group = byName(groupOf(a), groupOf(b))
      if (group !== 0) return group
    }
    const moved = rank(order, a) - rank(order, b)
    return Number.isNaN(moved) || moved === 0 ? byName(a, b) : moved
  }
}

/** The heading a card sits under: `Pinned`, its group when grouped, or undefined for none. */
export function sectionOf (layout: Layout, metric: string): string | undefined {
  if (layout.pinned.includes(metric)) return 'Pinned'
  return layout.grouped ? groupOf(metric) : undefined
}

/**
 * Moves `metric` one place up (`delta` -1) or down (+1) among `shown` (the cards on the
 * board in display order) within its section. Returns the layout unchanged at an end.
 */
export function moveMetric (layout: Layout, shown: readonly string[], metric: string, delta: -1 | 1): Layout {
  const section = sectionOf(layout, metric)
  const peers = shown.filter((name) => sectionOf(layout, name) === section)
  const index = peers.indexOf(metric)
  const target = index + delta
  if (index < 0 || target < 0 || target >= peers.length) return layout
  peers[index] = peers[target] as string
  peers[target] = metric
  if (layout.pinned.includes(metric)) return { ...layout, pinned: peers }
  const others = layout.order.filter((name) => !peers.includes(name))
  return { ...layout, order: [...others, ...peers] }
}

/** A copy of `map` with `metric` set to `value`, or removed when `value` is undefined. */
export function withEntry<V> (map: ReadonlyMap<string, V>, metric: string, value: V | undefined): Map<string, V> {
  const next = new Map(map)
  if (value === undefined) next.delete(metric)
  else next.set(metric, value)
  return next
}

/** Adds `metric` to, or removes it from, one of the layout's lists. */
export function toggleIn (layout: Layout, field: 'pinned' | 'hidden', metric: string): Layout {
  const current = layout[field]
  const next = current.includes(metric) ? current.filter((name) => name !== metric) : [...current, metric]
  return { ...layout, [field]: next }
}
