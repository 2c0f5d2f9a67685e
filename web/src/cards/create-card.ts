import type { CardKind } from '../card-kind.js'
import { CounterCard } from './counter-card.js'
import { LineCard } from './line-card.js'
import { PriceCard } from './price-card.js'
import type { SeriesCardOptions } from './series-card.js'

/** Every card kind the board holds. */
export type BoardCard = LineCard | CounterCard | PriceCard

/** Builds the card of `kind`; `intervalMs` is the candle width of a price card, in ms. */
export function createCard (kind: CardKind, options: SeriesCardOptions, intervalMs: number): BoardCard {
  switch (kind) {
    case 'price':
      return new PriceCard({ ...options, intervalMs })
    case 'counter':
    case 'rate':
      return new CounterCard({ ...options, mode: kind })
    case 'gauge':
      return new LineCard(options)
  }
}
