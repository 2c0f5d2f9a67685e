import t from 'tap'
import { counterIncrease, counterRates, counterTotal, eventTotal, perSecond, runningTotal } from '../../../web/src/rates.js'

const p = (x: number, y: number): { x: number, y: number } => ({ x, y })

t.test('a counter that drops has been reset and counts from zero', async (t) => {
  t.equal(counterIncrease(10, 25), 15)
  t.equal(counterIncrease(10, 10), 0)
  t.equal(counterIncrease(1000, 4), 4)
})

t.test('counterRates gives the per-second rate at each later reading, across resets', async (t) => {
  const points = [p(0, 100), p(1000, 110), p(3000, 150), p(3000, 151), p(4000, 5), p(4500, 10)]
  t.same(counterRates(points), [p(1000, 10), p(3000, 20), p(4000, 5), p(4500, 10)])
  t.same(counterRates([p(0, 1)]), [])
})

t.test('counterTotal sums the increases, resets included', async (t) => {
  t.equal(counterTotal([p(0, 100), p(1, 110), p(2, 5), p(3, 8)]), 10 + 5 + 3)
  t.equal(counterTotal([p(0, 100)]), 0)
})

t.test('events: totals, running totals and rates', async (t) => {
  const points = [p(0, 1), p(500, 3), p(900, 2)]
  t.equal(eventTotal(points), 6)
  t.same(runningTotal(points), [p(0, 1), p(500, 4), p(900, 6)])
  t.equal(perSecond(6, 60_000), 0.1)
  t.equal(perSecond(6, 0), 0)
})
