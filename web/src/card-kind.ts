import type { Tags } from '../../server/core/event.js'

/**
 * How a card shows its metric. `price`: a ticker with candles. `counter`: a monotonically
 * increasing total, shown as a rate per second. `rate`: each point counts events (an
 * analytics metric: signups, errors), shown as the total and rate over the window.
 * `gauge`: any other value, a line with min, max and average.
 */
export type CardKind = 'price' | 'counter' | 'rate' | 'gauge'

/** Every kind, in the order the card menu lists them. */
export const CARD_KINDS: readonly CardKind[] = ['gauge', 'price', 'counter', 'rate']

/** Names of the kinds in the card menu. */
export const KIND_LABELS: Readonly<Record<CardKind, string>> = {
  gauge: 'Gauge',
  price: 'Price',
  counter: 'Counter',
  rate: 'Rate'
}

/** True for one of {@link CARD_KINDS}. */
export function isCardKind (value: unknown): value is CardKind {
  return typeof value === 'string' && (CARD_KINDS as readonly string[]).includes(value)
}

// Last name segments that read as a quote in a currency, or a price field.
const PRICE_SEGMENTS = new Set(['usd', 'eur', 'gbp', 'jpy', 'chf', 'usdt', 'price', 'bid', 'ask', 'close'])
// Analytics events: each point says how many happened.
const EVENT_SEGMENTS = new Set(['signups', 'visits', 'clicks', 'errors', 'events', 'orders', 'logins', 'purchases'])

/**
 * The kind a metric is shown as until the user picks another: its `kind` tag when that
 * names a kind; else from the last segment of its name: a currency or price word
 * (`btc.usd`, `aapl.price`) → price; a Prometheus-style total (`…_total`, `…count`) → counter;
 * an analytics event word (`web.signups`, `api.errors`) → rate; anything else → gauge.
 */
export function guessKind (metric: string, tags?: Tags): CardKind {
  const tagged = tags?.['kind']
  if (isCardKind(tagged)) return tagged
  const name = metric.toLowerCase()
  const segment = name.slice(name.lastIndexOf('.') + 1)
  if (PRICE_SEGMENTS.has(segment)) return 'price'
  if (/(_total|_count|^count|^total)$/.test(segment)) return 'counter'
  if (EVENT_SEGMENTS.has(segment)) return 'rate'
  return 'gauge'
}
