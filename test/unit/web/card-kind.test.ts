import t from 'tap'
import { CARD_KINDS, guessKind, isCardKind, KIND_LABELS } from '../../../web/src/card-kind.js'

t.test('a kind tag naming a kind wins over the name', async (t) => {
  t.equal(guessKind('cpu.load', { kind: 'price' }), 'price')
  t.equal(guessKind('btc.usd', { kind: 'gauge' }), 'gauge')
  t.equal(guessKind('btc.usd', { kind: 'candles' }), 'price', 'an unknown kind tag is ignored')
})

t.test('the last segment of the name decides otherwise', async (t) => {
  t.equal(guessKind('btc.usd'), 'price')
  t.equal(guessKind('AAPL.Price'), 'price')
  t.equal(guessKind('http.requests_total'), 'counter')
  t.equal(guessKind('jobs.count'), 'counter')
  t.equal(guessKind('web.signups'), 'rate')
  t.equal(guessKind('api.errors'), 'rate')
  t.equal(guessKind('cpu.load'), 'gauge')
  t.equal(guessKind('usd'), 'price', 'a name without dots is its own last segment')
  t.equal(guessKind('orders.revenue_usd'), 'gauge')
})

t.test('isCardKind accepts exactly the listed kinds, each with a label', async (t) => {
  for (const kind of CARD_KINDS) {
    t.ok(isCardKind(kind))
    t.type(KIND_LABELS[kind], 'string')
  }
  t.notOk(isCardKind('line'))
  t.notOk(isCardKind(1))
})
