import type { CardKind } from '../card-kind.js'
import { CounterCard } from './counter-card.js'
import { GaugeCard } from './gauge-card.js'
import { PriceCard } from './price-card.js'
import { RateCard } from './rate-card.js'
import type { SeriesCardOptions } from './series-card.js'

/** Every card the board holds: one class per kind. */
export type BoardCard = GaugeCard | PriceCard | CounterCard | RateCard

/** Builds the card of `kind`; `intervalMs` is the candle width of a price card, in ms. */
export function createCard (kind: CardKind, options: SeriesCardOptions, intervalMs: number): BoardCard {
  switch (kind) {
    case 'price':
      return new PriceCard({ ...options, intervalMs })
    case 'counter':
      return new CounterCard(options)
    case 'rate':
      return new RateCard(options)
    case 'gauge':
      return new GaugeCard(options)
  }
}
