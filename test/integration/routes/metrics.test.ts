import t from 'tap'
import type { EventLog } from '../../../server/log/event-log.js'
import { ReadQueueFullError } from '../../../server/log/errors.js'
import { buildTestApp } from '../../helpers/app.js'

const NOW = 1_800_000_000_000

t.test('GET /api/metrics lists every metric with its last value, ts, id and count', async (t) => {
  const app = await buildTestApp(t)
  t.same((await app.inject('/api/metrics')).json(), { metrics: [] })
  await app.pulseboard.log.append([
    { metric: 'cpu.load', value: 0.5, ts: NOW - 2000 },
    { metric: 'btc.usd', value: 64000, ts: NOW - 1000, tags: { kind: 'price' } },
    { metric: 'cpu.load', value: 0.75, ts: NOW }
  ])
  t.same((await app.inject('/api/metrics')).json(), {
    metrics: [
      { metric: 'btc.usd', value: 64000, ts: NOW - 1000, id: 2, count: 1, tags: { kind: 'price' } },
      { metric: 'cpu.load', value: 0.75, ts: NOW, id: 3, count: 2 }
    ]
  })
})

t.test('raw history returns the points of one metric in a range, oldest first', async (t) => {
  const app = await buildTestApp(t)
  await app.pulseboard.log.append(Array.from({ length: 10 }, (_, i) => ({ metric: i % 2 === 0 ? 'a/b' : 'other', value: i, ts: NOW + i * 1000 })))
  const all = (await app.inject(`/api/metrics/a%2Fb/history?raw=1&from=${NOW}&to=${NOW + 10_000}`)).json()
  t.equal(all.metric, 'a/b')
  t.same(all.points.map((p: { value: number }) => p.value), [0, 2, 4, 6, 8])
  const ranged = (await app.inject(`/api/metrics/a%2Fb/history?raw=1&from=${NOW + 2000}&to=${NOW + 6000}`)).json()
  t.same(ranged.points.map((p: { value: number }) => p.value), [2, 4, 6], 'both range ends are inclusive')
  const limited = (await app.inject(`/api/metrics/a%2Fb/history?raw=1&from=${NOW}&to=${NOW + 10_000}&limit=2`)).json()
  t.same(limited.points.map((p: { value: number }) => p.value), [6, 8], 'the newest points win the limit')
  const empty = (await app.inject(`/api/metrics/a%2Fb/history?raw=1&from=${NOW - 5000}&to=${NOW - 1}`)).json()
  t.same(empty, { metric: 'a/b', points: [] })
})

t.test('bucketed history reads at most MAX_HISTORY_POINTS points, newest first, and leaves out the buckets it could not read whole', async (t) => {
  const app = await buildTestApp(t, { maxHistoryPoints: 1000 })
  await app.pulseboard.log.append(Array.from({ length: 1500 }, (_, i) => ({ metric: 'busy', value: i, ts: NOW + i })))
  const answer = (await app.inject(`/api/metrics/busy/history?from=${NOW}&to=${NOW + 1499}&points=3`)).json()
  t.match(answer, { metric: 'busy', fromMs: NOW, toMs: NOW + 1499, bucketMs: 500 })
  t.same(answer.buckets.map((b: { t: number, count: number }) => [b.t - NOW, b.count]), [[500, 500], [1000, 500]],
    'the newest 1,000 points fill two buckets whole; the oldest bucket is left out')
})

t.test('history answers 503 PB_ERR_OVERLOADED with Retry-After when the read queue is full', async (t) => {
  const full = async (): Promise<never> => { throw new ReadQueueFullError(64) }
  const log: EventLog = { append: async () => [], readAfter: async () => [], oldestId: () => 1, latestId: () => 0, catalog: () => [], history: full, buckets: full, close: async () => {}, onAppended: () => () => {}, sync: async () => {}, state: () => ({ kind: 'sqlite', state: 'up' }) }
  const app = await buildTestApp(t, {}, { log })
  for (const url of ['/api/metrics/m/history', '/api/metrics/m/history?raw=1']) {
    const response = await app.inject(url)
    t.equal(response.statusCode, 503, url)
    t.equal(response.headers['retry-after'], '5')
    t.same(response.json(), { statusCode: 503, code: 'PB_ERR_OVERLOADED', error: 'Service Unavailable', message: '64 history reads are already waiting' })
  }
})

t.test('history defaults to the last hour', async (t) => {
  const app = await buildTestApp(t)
  const now = Date.now()
  await app.pulseboard.log.append([{ metric: 'm', value: 1, ts: now - 2 * 3_600_000 }, { metric: 'm', value: 2, ts: now - 60_000 }])
  t.same((await app.inject('/api/metrics/m/history?raw=1')).json().points.map((p: { value: number }) => p.value), [2])
})

t.test('history answers at most `points` buckets with min, max, avg, first, last and count', async (t) => {
  const app = await buildTestApp(t)
  // One point a second for 100 s: values 0..99, with a second point at ts 50 s that arrives later.
  await app.pulseboard.log.append(Array.from({ length: 100 }, (_, i) => ({ metric: 'b', value: i, ts: NOW + i * 1000 })))
  await app.pulseboard.log.append([{ metric: 'b', value: -1, ts: NOW + 50_000 }])
  const body = (await app.inject(`/api/metrics/b/history?from=${NOW}&to=${NOW + 99_999}&points=10`)).json()
  t.equal(body.bucketMs, 10_000)
  t.equal(body.buckets.length, 10)
  t.same(body.buckets[0], { t: NOW, min: 0, max: 9, avg: 4.5, first: 0, last: 9, count: 10 })
  t.same(body.buckets[5], { t: NOW + 50_000, min: -1, max: 59, avg: (50 + 51 + 52 + 53 + 54 + 55 + 56 + 57 + 58 + 59 - 1) / 11, first: 50, last: 59, count: 11 })
  const narrow = (await app.inject(`/api/metrics/b/history?from=${NOW + 50_000}&to=${NOW + 50_000}`)).json()
  t.same(narrow.buckets, [{ t: NOW + 50_000, min: -1, max: 50, avg: 24.5, first: 50, last: -1, count: 2 }], 'ties in ts: the earlier point is first, the later last')
  const empty = (await app.inject(`/api/metrics/b/history?from=${NOW - 10_000}&to=${NOW - 1}`)).json()
  t.same(empty.buckets, [])
})

t.test('history answers 404 for an unknown metric and 400 for a bad query', async (t) => {
  const app = await buildTestApp(t)
  await app.pulseboard.log.append([{ metric: 'm', value: 1, ts: NOW }])
  const unknown = await app.inject('/api/metrics/nope/history')
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'PB_ERR_NOT_FOUND', message: /nope/ })
  for (const query of ['from=2&to=1', 'limit=0', 'limit=10001', 'from=abc', 'points=0', 'points=10001', 'raw=maybe']) {
    const response = await app.inject(`/api/metrics/m/history?${query}`)
    t.equal(response.statusCode, 400, query)
    t.equal(response.json().code, 'PB_ERR_QUERY_INVALID', query)
  }
})

t.test('GET /healthz reports uptime, clients and the newest id', async (t) => {
  const app = await buildTestApp(t, { maxClients: 7 })
  await app.pulseboard.log.append([{ metric: 'm', value: 1, ts: NOW }])
  t.match((await app.inject('/healthz')).json(), { status: 'ok', uptimeS: Number, clients: 0, maxClients: 7, lastId: 1 })
})

t.test('every answer carries a strict Content-Security-Policy', async (t) => {
  const app = await buildTestApp(t)
  const csp = String((await app.inject('/healthz')).headers['content-security-policy'])
  t.match(csp, /default-src 'self'/)
  t.match(csp, /script-src 'self'(;|$)/)
  t.notMatch(csp, /unsafe-inline|unsafe-eval/)
})
