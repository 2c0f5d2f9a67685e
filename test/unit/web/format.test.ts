import t from 'tap'
import {
  computeChange,
  formatAgo,
  formatChange,
  formatClock,
  formatCount,
  formatAmount,
  formatDuration,
  formatPrice,
  formatRate,
  formatValue,
  tickStepMs
} from '../../../web/src/format.js'

t.test('formatValue groups thousands and keeps at most two decimals', async (t) => {
  t.equal(formatValue(64250.5), '64,250.5')
  t.equal(formatValue(1234), '1,234')
  t.equal(formatValue(3.14159), '3.14')
  t.equal(formatValue(-987654.321), '-987,654.32')
  t.equal(formatValue(0), '0')
})

t.test('formatValue keeps three significant digits below one', async (t) => {
  t.equal(formatValue(0.000123456), '0.000123')
  t.equal(formatValue(-0.5), '-0.5')
})

t.test('formatValue is compact from one million', async (t) => {
  t.equal(formatValue(1_234_567), '1.23M')
  t.equal(formatValue(-4_500_000_000), '-4.5B')
})

t.test('formatValue shows a dash for values that are not finite', async (t) => {
  t.equal(formatValue(Number.NaN), '—')
  t.equal(formatValue(Infinity), '—')
})

t.test('formatValue honours another locale', async (t) => {
  t.equal(formatValue(64250.5, 'de-DE'), '64.250,5')
})

t.test('computeChange gives delta, percent and direction', async (t) => {
  t.same(computeChange(100, 110), { delta: 10, percent: 10, direction: 'up' })
  t.same(computeChange(-200, -250), { delta: -50, percent: -25, direction: 'down' })
  t.same(computeChange(5, 5), { delta: 0, percent: 0, direction: 'flat' })
  t.same(computeChange(0, 3), { delta: 3, percent: undefined, direction: 'up' })
})

t.test('formatChange always shows the sign and the percentage when there is one', async (t) => {
  t.equal(formatChange(computeChange(64000, 64250.5)), '+250.5 (+0.39%)')
  t.equal(formatChange(computeChange(2000, 1500)), '-500 (-25.00%)')
  t.equal(formatChange(computeChange(7, 7)), '0 (0.00%)')
  t.equal(formatChange(computeChange(0, 1_500_000)), '+1.5M')
})

t.test('formatAgo reads as relative time', async (t) => {
  const now = 1_700_000_000_000
  t.equal(formatAgo(now - 200, now), 'just now')
  t.equal(formatAgo(now + 5000, now), 'just now', 'clock skew into the future')
  t.equal(formatAgo(now - 2000, now), '2s ago')
  t.equal(formatAgo(now - 59_999, now), '59s ago')
  t.equal(formatAgo(now - 3 * 60_000, now), '3m ago')
  t.equal(formatAgo(now - 2 * 3_600_000 - 5, now), '2h ago')
  t.equal(formatAgo(now - 4 * 86_400_000, now), '4d ago')
})

t.test('formatClock pads local hours, minutes and seconds', async (t) => {
  const ts = new Date(2024, 0, 2, 3, 4, 5).getTime()
  t.equal(formatClock(ts), '03:04:05')
  t.equal(formatClock(ts, false), '03:04')
})

t.test('formatDuration picks the largest whole unit', async (t) => {
  t.equal(formatDuration(45_000), '45 s')
  t.equal(formatDuration(300_000), '5 min')
  t.equal(formatDuration(2 * 3_600_000), '2 h')
  t.equal(formatDuration(86_400_000), '1 d')
})

t.test('formatCount pluralises and groups', async (t) => {
  t.equal(formatCount(1, 'metric'), '1 metric')
  t.equal(formatCount(0, 'metric'), '0 metrics')
  t.equal(formatCount(1204, 'metric'), '1,204 metrics')
})

t.test('tickStepMs picks a round step for about five labels', async (t) => {
  t.equal(tickStepMs(5 * 60_000), 60_000)
  t.equal(tickStepMs(60_000), 15_000)
  t.equal(tickStepMs(1000), 1000)
  t.equal(tickStepMs(30 * 86_400_000), 86_400_000, 'capped at a day')
})

t.test('formatAmount shows the unit tag: currencies as symbols, % attached, others after a space', async (t) => {
  t.equal(formatAmount(64250.5, 'USD'), '$64,250.50')
  t.equal(formatAmount(3.5, 'eur'), '€3.50')
  t.equal(formatAmount(12.5, '%'), '12.5%')
  t.equal(formatAmount(1234.567, 'ms'), '1,234.57 ms')
  t.equal(formatAmount(5, ''), '5')
  t.equal(formatAmount(5), '5')
  t.equal(formatAmount(Number.NaN, 'USD'), '— USD')
})

t.test('formatPrice keeps two decimals from 1 up so the digits do not jump', async (t) => {
  t.equal(formatPrice(64250.5), '64,250.50')
  t.equal(formatPrice(64250, 'USD'), '$64,250.00')
  t.equal(formatPrice(0), '0.00')
  t.equal(formatPrice(0.000123456), '0.0001235')
  t.equal(formatPrice(3.1, 'pts'), '3.10 pts')
  t.equal(formatPrice(Number.POSITIVE_INFINITY), '—')
})

t.test('formatRate is per second', async (t) => {
  t.equal(formatRate(12.345), '12.35/s')
  t.equal(formatRate(1500, 'req'), '1,500 req/s')
})
