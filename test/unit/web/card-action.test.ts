import t from 'tap'
import { applyCardAction, rebuildsCard, type ActionContext } from '../../../web/src/card-action.js'
import { DEFAULT_LAYOUT } from '../../../web/src/layout.js'

const context: ActionContext = { guessedKind: 'price', shown: ['btc.eur', 'btc.usd', 'cpu.load'] }

t.test('a chosen kind is saved; choosing the guessed kind again removes the entry', async (t) => {
  const chosen = applyCardAction(DEFAULT_LAYOUT, 'btc.usd', { type: 'kind', kind: 'gauge' }, context)
  t.same([...chosen.kinds], [['btc.usd', 'gauge']])
  const back = applyCardAction(chosen, 'btc.usd', { type: 'kind', kind: 'price' }, context)
  t.same([...back.kinds], [], 'the card follows the guess again')
  const unseen = applyCardAction(DEFAULT_LAYOUT, 'new', { type: 'kind', kind: 'price' }, { ...context, guessedKind: undefined })
  t.same([...unseen.kinds], [['new', 'price']], 'with no guess, any choice is kept')
})

t.test('a candle interval is saved per metric', async (t) => {
  const layout = applyCardAction(DEFAULT_LAYOUT, 'btc.usd', { type: 'interval', intervalMs: 60_000 }, context)
  t.same([...layout.intervals], [['btc.usd', 60_000]])
})

t.test('pin and hide toggle the metric in their lists', async (t) => {
  const pinned = applyCardAction(DEFAULT_LAYOUT, 'cpu.load', { type: 'pin' }, context)
  t.same(pinned.pinned, ['cpu.load'])
  t.same(applyCardAction(pinned, 'cpu.load', { type: 'pin' }, context).pinned, [])
  const hidden = applyCardAction(DEFAULT_LAYOUT, 'cpu.load', { type: 'hide' }, context)
  t.same(hidden.hidden, ['cpu.load'])
  t.same(applyCardAction(hidden, 'cpu.load', { type: 'hide' }, context).hidden, [])
})

t.test('move swaps the card with its neighbour among the cards shown in its section', async (t) => {
  const moved = applyCardAction(DEFAULT_LAYOUT, 'btc.eur', { type: 'move', delta: 1 }, context)
  t.same(moved.order, ['btc.usd', 'btc.eur'])
  t.equal(applyCardAction(DEFAULT_LAYOUT, 'cpu.load', { type: 'move', delta: 1 }, context), DEFAULT_LAYOUT,
    'the last of its section stays')
})

t.test('only a new kind or interval rebuilds the card', async (t) => {
  t.ok(rebuildsCard({ type: 'kind', kind: 'gauge' }))
  t.ok(rebuildsCard({ type: 'interval', intervalMs: 60_000 }))
  t.notOk(rebuildsCard({ type: 'pin' }))
  t.notOk(rebuildsCard({ type: 'hide' }))
  t.notOk(rebuildsCard({ type: 'move', delta: -1 }))
})
