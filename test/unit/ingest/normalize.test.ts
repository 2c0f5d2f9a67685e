import t from 'tap'
import { toMetricPoints } from '../../../server/ingest/normalize.js'
import { MAX_TS_AHEAD_MS, MAX_TS_MS, type RawPoint } from '../../../server/ingest/point-schema.js'

const NOW = 1_800_000_000_000

function one (raw: RawPoint): ReturnType<typeof toMetricPoints> {
  return toMetricPoints([raw], NOW)
}

function tsOf (ts: string | number): number | undefined {
  const result = one({ metric: 'a', value: 1, ts })
  return result.ok ? result.points[0]?.ts : undefined
}

t.test('converts ISO strings to ms since the epoch', async (t) => {
  const cases = ['2026-11-23', '2026-11-23T10:00Z', '2026-11-23T10:00:00Z', '2026-11-23T10:00:00.123Z',
    '2026-11-23T10:00:00.123+01:00', '2026-11-23T10:00:00-05:30', '2024-02-29T23:59:59.999Z', '1970-01-01T00:00:00Z']
  for (const iso of cases) t.equal(tsOf(iso), Date.parse(iso), iso)
  t.equal(tsOf('2026-11-23T10:00:00.123+01:00'), Date.UTC(2026, 10, 23, 9, 0, 0, 123), 'applies the offset')
  t.equal(tsOf('2026-11-23T10:00:00.1Z'), Date.UTC(2026, 10, 23, 10, 0, 0, 100), 'a short fraction is tenths')
  t.equal(tsOf('2026-11-23T10:00:00.123987Z'), Date.UTC(2026, 10, 23, 10, 0, 0, 123), 'digits past the ms are dropped')
})

t.test('keeps a numeric ts as sent', async (t) => {
  t.equal(tsOf(1.5), 1.5)
  t.equal(tsOf(0), 0)
})

t.test('defaults ts to now', async (t) => {
  t.strictSame(one({ metric: 'a', value: 1 }), { ok: true, points: [{ metric: 'a', value: 1, ts: NOW }] })
})

t.test('refuses an ISO string that names no real instant', async (t) => {
  const bad = ['2026-13-01', '2026-00-10', '2026-02-29', '2026-02-30T10:00:00Z', '2026-04-31', '2026-11-00',
    '2026-11-23T24:00:00Z', '2026-11-23T10:60Z', '2026-11-23T10:00:60Z', '2026-11-23T10:00:00+24:00',
    '2026-11-23T10:00:00+01:60', '1969-12-31T23:59:59Z', '0075-01-01', '1970-01-01T00:30:00+01:00', 'soon']
  for (const ts of bad) {
    const result = toMetricPoints([{ metric: 'a', value: 1 }, { metric: 'b', value: 2, ts }], NOW)
    t.strictSame(result, {
      ok: false,
      issue: {
        index: 1,
        field: 'ts',
        reason: `field "ts" must be a real date and time from 1970 on (got ${JSON.stringify(ts)})`,
        message: `item 1: field "ts" must be a real date and time from 1970 on (got ${JSON.stringify(ts)})`
      }
    }, ts)
  }
})

t.test('refuses a ts more than a day ahead of the clock, naming the item', async (t) => {
  t.equal(MAX_TS_AHEAD_MS, 86_400_000)
  t.equal(tsOf(NOW + MAX_TS_AHEAD_MS), NOW + MAX_TS_AHEAD_MS, 'a day ahead is still accepted')
  for (const ts of [NOW + MAX_TS_AHEAD_MS + 1, MAX_TS_MS, '9999-12-31', new Date(NOW + 2 * MAX_TS_AHEAD_MS).toISOString()]) {
    const result = toMetricPoints([{ metric: 'a', value: 1 }, { metric: 'a', value: 2, ts: NOW }, { metric: 'b', value: 3, ts }], NOW)
    t.match(result, { ok: false, issue: { index: 2, field: 'ts', message: /^item 2: field "ts" is more than a day ahead of the server's clock/ } }, String(ts))
  }
})

t.test('copies tags when sent and omits the key otherwise', async (t) => {
  const tags = { host: 'a', region: 'eu' }
  const result = toMetricPoints([{ metric: 'a', value: 1, tags }, { metric: 'b', value: 2 }], NOW)
  if (!result.ok) throw new Error('expected points')
  const [first, second] = result.points
  t.strictSame(first?.tags, tags)
  t.not(first?.tags, tags, 'a copy, not the client object')
  t.notOk(second !== undefined && 'tags' in second, 'no tags key when none were sent')
})

t.test('builds points with the keys in a fixed order', async (t) => {
  const raw = JSON.parse('{"tags":{"h":"a"},"ts":"2026-11-23","value":2,"metric":"m"}') as RawPoint
  const result = one(raw)
  if (!result.ok) throw new Error('expected points')
  t.equal(JSON.stringify(result.points[0]), `{"metric":"m","value":2,"ts":${Date.UTC(2026, 10, 23)},"tags":{"h":"a"}}`)
})

t.test('a __proto__ tag key that skipped the schema stays data', async (t) => {
  const raw = JSON.parse('{"metric":"m","value":1,"tags":{"__proto__":{"polluted":"yes"}}}') as RawPoint
  const result = one(raw)
  if (!result.ok) throw new Error('expected points')
  const copied = result.points[0]?.tags as Record<string, unknown>
  t.ok(Object.hasOwn(copied, '__proto__'))
  t.equal(Object.getPrototypeOf(copied), Object.prototype)
  t.equal(copied.polluted, undefined)
})

t.test('an empty list gives no points', async (t) => {
  t.strictSame(toMetricPoints([], NOW), { ok: true, points: [] })
})
