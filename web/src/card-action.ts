import type { CardKind } from './card-kind.js'
import { moveMetric, toggleIn, withEntry, type Layout } from './layout.js'

/** What a card's controls ask the dashboard to do. */
export type CardAction =
  | { readonly type: 'kind', readonly kind: CardKind }
  | { readonly type: 'interval', readonly intervalMs: number }
  | { readonly type: 'pin' }
  | { readonly type: 'move', readonly delta: -1 | 1 }
  | { readonly type: 'hide' }

/** What the board shows when an action is applied. */
export interface ActionContext {
  /** The kind guessed for the metric from its name and tags, if it was seen. */
  readonly guessedKind: CardKind | undefined
  /** Metrics of the cards on show, in display order. */
  readonly shown: readonly string[]
}

/** Whether `action` changes what a card is (its kind or candle interval), so the card is built anew. */
export function rebuildsCard (action: CardAction): boolean {
  return action.type === 'kind' || action.type === 'interval'
}

/** The layout after `action` on the card of `metric`. Pure: the caller saves it and redraws. */
export function applyCardAction (layout: Layout, metric: string, action: CardAction, context: ActionContext): Layout {
  switch (action.type) {
    case 'kind':
      // The guessed kind needs no entry: the card follows the guess again.
      return { ...layout, kinds: withEntry(layout.kinds, metric, action.kind === context.guessedKind ? undefined : action.kind) }
    case 'interval':
      return { ...layout, intervals: withEntry(layout.intervals, metric, action.intervalMs) }
    case 'pin':
      return toggleIn(layout, 'pinned', metric)
    case 'hide':
      return toggleIn(layout, 'hidden', metric)
    case 'move':
      return moveMetric(layout, context.shown, metric, action.delta)
  }
}
