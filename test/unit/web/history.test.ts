import t from 'tap'
import type { HistoryBucket, MetricBuckets } from '../../../server/core/event.js'
import { backfill, bucketCount, bucketPoints, MAX_BUCKETS, type ResponseLike } from '../../../web/src/history.js'
import type { ChartPoint } from '../../../web/src/series.js'

const NOW = 1_700_000_000_000
const WINDOW = 300_000
/** What the server answers for a 5-minute window in 300 buckets: ceil((to - from + 1) / 300). */
const BUCKET_MS = 1001

const ok = (body: unknown): ResponseLike => ({ ok: true, status: 200, json: async () => body })
const fail = (status: number): ResponseLike => ({ ok: false, status, json: async () => ({}) })
const summary = (metric: string, id: number) => ({ metric, value: id, ts: NOW - 1000, id, count: 10 })
const bucket = (t: number, last: number): HistoryBucket => ({ t, min: last - 1, max: last + 1, avg: last + 0.25, first: last - 0.5, last, count: 3 })
const buckets = (metric: string, list: HistoryBucket[], toMs = NOW): MetricBuckets =>
  ({ metric, fromMs: NOW - WINDOW, toMs, bucketMs: BUCKET_MS, buckets: list })

function fakeServer (routes: Record<string, ResponseLike | (() => Promise<ResponseLike>)>) {
  const requested: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  const fetch = async (url: string): Promise<ResponseLike> => {
    requested.push(url)
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    await new Promise((resolve) => setImmediate(resolve))
    inFlight--
    const route = routes[url]
    if (route === undefined) return fail(404)
    return typeof route === 'function' ? route() : route
  }
  return { fetch, requested, maxInFlight: () => maxInFlight }
}

const historyUrl = (metric: string): string =>
  `/api/metrics/${encodeURIComponent(metric)}/history?from=${NOW - WINDOW}&points=300`

/** Records every call, in order, as [kind, metric, payload]. */
function recorder () {
  const calls: Array<['latest', string, number] | ['history', string, ChartPoint[]]> = []
  return {
    calls,
    loadLatest: (s: { metric: string, id: number }) => { calls.push(['latest', s.metric, s.id]) },
    loadHistory: (metric: string, history: MetricBuckets) => { calls.push(['history', metric, bucketPoints(history)]) }
  }
}

t.test('asks for one bucket per second of the window, at least 1 and at most the server maximum', async (t) => {
  t.equal(bucketCount(WINDOW), 300, '5 minutes → 300 buckets')
  t.equal(bucketCount(1500), 2, 'a part second still gets its bucket')
  t.equal(bucketCount(0), 1)
  t.equal(bucketCount(24 * 3600_000), MAX_BUCKETS)
  t.equal(MAX_BUCKETS, 10_000)
})

t.test('a bucket is drawn as its last value at its end, the last one capped at the range end', async (t) => {
  const to = NOW - WINDOW + 3 * BUCKET_MS - 500
  t.same(bucketPoints(buckets('m', [bucket(NOW - WINDOW, 5), bucket(NOW - WINDOW + 2 * BUCKET_MS, 7)], to)), [
    { x: NOW - WINDOW + BUCKET_MS, y: 5 },
    { x: to, y: 7 }
  ])
  t.same(bucketPoints(buckets('m', [])), [])
})

t.test('loads the catalog first, then each history as buckets from now - window', async (t) => {
  const server = fakeServer({
    '/api/metrics': ok({ metrics: [summary('btc.usd', 5), summary('cpu/load %', 9)] }),
    [historyUrl('btc.usd')]: ok(buckets('btc.usd', [bucket(NOW - 5 * BUCKET_MS, 4), bucket(NOW - 2 * BUCKET_MS, 5)])),
    [historyUrl('cpu/load %')]: ok(buckets('cpu/load %', [bucket(NOW - BUCKET_MS + 10, 9)]))
  })
  const { calls, loadLatest, loadHistory } = recorder()
  const result = await backfill({ fetch: server.fetch, windowMs: WINDOW, now: () => NOW, loadLatest, loadHistory })
  t.same(result, { metrics: 2, failed: [] })
  t.equal(server.requested[0], '/api/metrics')
  t.ok(server.requested.includes('/api/metrics/cpu%2Fload%20%25/history?from=1699999700000&points=300'),
    'names are URL-encoded; `to` is left to the server clock')
  t.same(calls.slice(0, 2), [['latest', 'btc.usd', 5], ['latest', 'cpu/load %', 9]], 'every card gets its latest point first')
  t.same(calls.slice(2).sort(), [
    ['history', 'btc.usd', [{ x: NOW - 4 * BUCKET_MS, y: 4 }, { x: NOW - BUCKET_MS, y: 5 }]],
    ['history', 'cpu/load %', [{ x: NOW, y: 9 }]]
  ])
})

t.test('fetches histories a few at a time', async (t) => {
  const metrics = Array.from({ length: 12 }, (_, i) => `m${i}`)
  const routes: Record<string, ResponseLike> = { '/api/metrics': ok({ metrics: metrics.map((m, i) => summary(m, i)) }) }
  for (const m of metrics) routes[historyUrl(m)] = ok(buckets(m, []))
  const server = fakeServer(routes)
  const result = await backfill({
    fetch: server.fetch, windowMs: WINDOW, now: () => NOW, loadLatest: () => {}, loadHistory: () => {}, concurrency: 3
  })
  t.equal(result.metrics, 12)
  t.equal(server.requested.length, 13)
  t.equal(server.maxInFlight(), 3)
})

t.test('a failing or malformed history is reported and does not stop the others', async (t) => {
  const server = fakeServer({
    '/api/metrics': ok({ metrics: ['a', 'b', 'c', 'd', 'e'].map((m, i) => summary(m, i + 1)) }),
    [historyUrl('b')]: ok(buckets('b', [bucket(NOW - WINDOW, 2)])),
    [historyUrl('c')]: ok({ metric: 'c', points: [{ id: 3, metric: 'c', value: 3, ts: NOW }] }),
    [historyUrl('d')]: async () => { throw 'network down' }, // eslint-disable-line no-throw-literal
    [historyUrl('e')]: ok({ ...buckets('e', []), bucketMs: 0 })
  })
  const { calls, loadLatest, loadHistory } = recorder()
  const result = await backfill({ fetch: server.fetch, windowMs: WINDOW, now: () => NOW, loadLatest, loadHistory })
  t.same(calls.filter((c) => c[0] === 'history').map((c) => c[1]), ['b'])
  t.same(result.failed.map((f) => f.metric), ['a', 'c', 'd', 'e'])
  t.match(result.failed[0]?.error.message, /answered 404/)
  t.match(result.failed[1]?.error.message, /unexpected shape/, 'the old raw-points body is refused')
  t.match(result.failed[2]?.error.message, /network down/)
  t.match(result.failed[3]?.error.message, /unexpected shape/)
})

t.test('only metrics the board accepts are loaded', async (t) => {
  const server = fakeServer({
    '/api/metrics': ok({ metrics: [summary('btc.usd', 1), summary('cpu.load', 2)] }),
    [historyUrl('btc.usd')]: ok(buckets('btc.usd', []))
  })
  const { calls, loadLatest, loadHistory } = recorder()
  const result = await backfill({
    fetch: server.fetch, windowMs: WINDOW, now: () => NOW, accepts: (metric) => metric.startsWith('btc'), loadLatest, loadHistory
  })
  t.same(calls, [['latest', 'btc.usd', 1], ['history', 'btc.usd', []]])
  t.equal(result.metrics, 1)
  t.equal(server.requested.length, 2)
})

t.test('skips malformed catalog entries and buckets', async (t) => {
  const server = fakeServer({
    '/api/metrics': ok({ metrics: [summary('a', 1), { metric: 'b' }, null] }),
    [historyUrl('a')]: ok(buckets('a', [bucket(NOW - 3 * BUCKET_MS, 1), { t: NOW } as unknown as HistoryBucket]))
  })
  const { calls, loadLatest, loadHistory } = recorder()
  await backfill({ fetch: server.fetch, windowMs: WINDOW, now: () => NOW, loadLatest, loadHistory })
  t.same(calls, [['latest', 'a', 1], ['history', 'a', [{ x: NOW - 2 * BUCKET_MS, y: 1 }]]])
})

t.test('a catalog that fails or has another shape rejects', async (t) => {
  const options = { windowMs: WINDOW, loadLatest: () => {}, loadHistory: () => {} }
  await t.rejects(backfill({ ...options, fetch: fakeServer({ '/api/metrics': fail(503) }).fetch }),
    /GET \/api\/metrics answered 503/)
  await t.rejects(backfill({ ...options, fetch: fakeServer({ '/api/metrics': ok([]) }).fetch }),
    /unexpected shape/)
})

t.test('an empty catalog loads nothing, and the clock defaults to Date.now', async (t) => {
  const server = fakeServer({ '/api/metrics': ok({ metrics: [] }) })
  const nothing = (): void => { t.fail('nothing to load') }
  const result = await backfill({ fetch: server.fetch, windowMs: WINDOW, loadLatest: nothing, loadHistory: nothing })
  t.same(result, { metrics: 0, failed: [] })
})

t.test('the range never starts before the epoch', async (t) => {
  const server = fakeServer({ '/api/metrics': ok({ metrics: [summary('a', 1)] }) })
  await backfill({ fetch: server.fetch, windowMs: WINDOW, now: () => 1000, loadLatest: () => {}, loadHistory: () => {} })
  t.equal(server.requested[1], '/api/metrics/a/history?from=0&points=300')
})

t.test('asks each metric for the buckets its card wants, within the server maximum', async (t) => {
  const server = fakeServer({
    '/api/metrics': ok({ metrics: [summary('a', 1), summary('b', 2), summary('c', 3)] })
  })
  const wanted: Record<string, number> = { a: 42.4, b: 0, c: 1e9 }
  await backfill({ fetch: server.fetch, windowMs: WINDOW, now: () => NOW, points: (metric) => wanted[metric] ?? 1, loadLatest: () => {}, loadHistory: () => {} })
  t.same(server.requested.slice(1).sort(), ['a', 'b', 'c'].map((m, i) => `/api/metrics/${m}/history?from=${NOW - WINDOW}&points=${[42, 1, MAX_BUCKETS][i]}`))
})
