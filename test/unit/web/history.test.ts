import t from 'tap'
import type { StoredEvent } from '../../../server/core/event.js'
import { backfill, HISTORY_LIMIT, type ResponseLike } from '../../../web/src/history.js'

const NOW = 1_700_000_000_000
const WINDOW = 300_000

const ok = (body: unknown): ResponseLike => ({ ok: true, status: 200, json: async () => body })
const fail = (status: number): ResponseLike => ({ ok: false, status, json: async () => ({}) })
const summary = (metric: string, id: number) => ({ metric, value: id, ts: NOW - 1000, id, count: 10 })
const point = (metric: string, id: number): StoredEvent => ({ id, metric, value: id, ts: NOW - 10_000 + id })

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
  `/api/metrics/${encodeURIComponent(metric)}/history?from=${NOW - WINDOW}&limit=${HISTORY_LIMIT}`

t.test('loads the catalog first, then each history from now - window', async (t) => {
  const server = fakeServer({
    '/api/metrics': ok({ metrics: [summary('btc.usd', 5), summary('cpu/load %', 9)] }),
    [historyUrl('btc.usd')]: ok({ metric: 'btc.usd', points: [point('btc.usd', 4), point('btc.usd', 5)] }),
    [historyUrl('cpu/load %')]: ok({ metric: 'cpu/load %', points: [point('cpu/load %', 9)] })
  })
  const loads: Array<[string, number[]]> = []
  const result = await backfill({
    fetch: server.fetch,
    windowMs: WINDOW,
    now: () => NOW,
    load: (metric, events) => { loads.push([metric, events.map((e) => e.id)]) }
  })
  t.same(result, { metrics: 2, failed: [] })
  t.equal(server.requested[0], '/api/metrics')
  t.ok(server.requested.includes('/api/metrics/cpu%2Fload%20%25/history?from=1699999700000&limit=10000'),
    'names are URL-encoded')
  t.same(loads.slice(0, 2), [['btc.usd', [5]], ['cpu/load %', [9]]], 'every card gets its latest point first')
  t.same(loads.slice(2).sort(), [['btc.usd', [4, 5]], ['cpu/load %', [9]]])
})

t.test('fetches histories a few at a time', async (t) => {
  const metrics = Array.from({ length: 12 }, (_, i) => `m${i}`)
  const routes: Record<string, ResponseLike> = { '/api/metrics': ok({ metrics: metrics.map((m, i) => summary(m, i)) }) }
  for (const m of metrics) routes[historyUrl(m)] = ok({ metric: m, points: [] })
  const server = fakeServer(routes)
  const result = await backfill({ fetch: server.fetch, windowMs: WINDOW, now: () => NOW, load: () => {}, concurrency: 3 })
  t.equal(result.metrics, 12)
  t.equal(server.requested.length, 13)
  t.equal(server.maxInFlight(), 3)
})

t.test('a failing history is reported and does not stop the others', async (t) => {
  const server = fakeServer({
    '/api/metrics': ok({ metrics: [summary('a', 1), summary('b', 2), summary('c', 3), summary('d', 4)] }),
    [historyUrl('b')]: ok({ metric: 'b', points: [point('b', 2)] }),
    [historyUrl('c')]: ok({ unexpected: true }),
    [historyUrl('d')]: async () => { throw 'network down' } // eslint-disable-line no-throw-literal
  })
  const loaded: string[] = []
  const result = await backfill({
    fetch: server.fetch,
    windowMs: WINDOW,
    now: () => NOW,
    load: (metric, events) => { if (events.length > 0 && events[0] !== undefined && !('count' in events[0])) loaded.push(metric) }
  })
  t.same(loaded, ['b'])
  t.same(result.failed.map((f) => f.metric), ['a', 'c', 'd'])
  t.match(result.failed[0]?.error.message, /answered 404/)
  t.match(result.failed[1]?.error.message, /unexpected shape/)
  t.match(result.failed[2]?.error.message, /network down/)
})

t.test('only metrics the board accepts are loaded', async (t) => {
  const server = fakeServer({
    '/api/metrics': ok({ metrics: [summary('btc.usd', 1), summary('cpu.load', 2)] }),
    [historyUrl('btc.usd')]: ok({ metric: 'btc.usd', points: [] })
  })
  const loaded = new Set<string>()
  const result = await backfill({
    fetch: server.fetch,
    windowMs: WINDOW,
    now: () => NOW,
    accepts: (metric) => metric.startsWith('btc'),
    load: (metric) => { loaded.add(metric) }
  })
  t.same([...loaded], ['btc.usd'])
  t.equal(result.metrics, 1)
  t.equal(server.requested.length, 2)
})

t.test('skips malformed catalog entries and history points', async (t) => {
  const server = fakeServer({
    '/api/metrics': ok({ metrics: [summary('a', 1), { metric: 'b' }, null] }),
    [historyUrl('a')]: ok({ metric: 'a', points: [point('a', 1), { id: 2 }] })
  })
  const loads: number[][] = []
  await backfill({ fetch: server.fetch, windowMs: WINDOW, now: () => NOW, load: (_, events) => { loads.push(events.map((e) => e.id)) } })
  t.same(loads, [[1], [1]])
})

t.test('a catalog that fails or has another shape rejects', async (t) => {
  await t.rejects(backfill({ fetch: fakeServer({ '/api/metrics': fail(503) }).fetch, windowMs: WINDOW, load: () => {} }),
    /GET \/api\/metrics answered 503/)
  await t.rejects(backfill({ fetch: fakeServer({ '/api/metrics': ok([]) }).fetch, windowMs: WINDOW, load: () => {} }),
    /unexpected shape/)
})

t.test('an empty catalog loads nothing, and the clock defaults to Date.now', async (t) => {
  const server = fakeServer({ '/api/metrics': ok({ metrics: [] }) })
  const result = await backfill({ fetch: server.fetch, windowMs: WINDOW, load: () => { t.fail('nothing to load') } })
  t.same(result, { metrics: 0, failed: [] })
})
