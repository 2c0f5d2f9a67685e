import t from 'tap'
import { buildTestApp } from '../../helpers/app.js'

const NOW = 1_800_000_000_000

t.test('GET /api/metrics lists every metric with its last value, ts, id and count', async (t) => {
  const app = await buildTestApp(t)
  t.same((await app.inject('/api/metrics')).json(), { metrics: [] })
  await app.pulseboard.publisher.publish([
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

t.test('history returns the points of one metric in a range, oldest first', async (t) => {
  const app = await buildTestApp(t)
  await app.pulseboard.publisher.publish(Array.from({ length: 10 }, (_, i) => ({ metric: i % 2 === 0 ? 'a/b' : 'other', value: i, ts: NOW + i * 1000 })))
  const all = (await app.inject(`/api/metrics/a%2Fb/history?from=${NOW}&to=${NOW + 10_000}`)).json()
  t.equal(all.metric, 'a/b')
  t.same(all.points.map((p: { value: number }) => p.value), [0, 2, 4, 6, 8])
  const ranged = (await app.inject(`/api/metrics/a%2Fb/history?from=${NOW + 2000}&to=${NOW + 6000}`)).json()
  t.same(ranged.points.map((p: { value: number }) => p.value), [2, 4, 6], 'both range ends are inclusive')
  const limited = (await app.inject(`/api/metrics/a%2Fb/history?from=${NOW}&to=${NOW + 10_000}&limit=2`)).json()
  t.same(limited.points.map((p: { value: number }) => p.value), [6, 8], 'the newest points win the limit')
  const empty = (await app.inject(`/api/metrics/a%2Fb/history?from=${NOW - 5000}&to=${NOW - 1}`)).json()
  t.same(empty, { metric: 'a/b', points: [] })
})

t.test('history defaults to the last hour', async (t) => {
  const app = await buildTestApp(t)
  const now = Date.now()
  await app.pulseboard.publisher.publish([{ metric: 'm', value: 1, ts: now - 2 * 3_600_000 }, { metric: 'm', value: 2, ts: now - 60_000 }])
  t.same((await app.inject('/api/metrics/m/history')).json().points.map((p: { value: number }) => p.value), [2])
})

t.test('history answers 404 for an unknown metric and 400 for a bad query', async (t) => {
  const app = await buildTestApp(t)
  await app.pulseboard.publisher.publish([{ metric: 'm', value: 1, ts: NOW }])
  const unknown = await app.inject('/api/metrics/nope/history')
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'PB_ERR_NOT_FOUND', message: /nope/ })
  for (const query of ['from=2&to=1', 'limit=0', 'limit=10001', 'from=abc']) {
    const response = await app.inject(`/api/metrics/m/history?${query}`)
    t.equal(response.statusCode, 400, query)
    t.equal(response.json().code, 'PB_ERR_QUERY_INVALID', query)
  }
})

t.test('GET /healthz reports uptime, clients and the newest id', async (t) => {
  const app = await buildTestApp(t, { maxClients: 7 })
  await app.pulseboard.publisher.publish([{ metric: 'm', value: 1, ts: NOW }])
  t.match((await app.inject('/healthz')).json(), { status: 'ok', uptimeS: Number, clients: 0, maxClients: 7, lastId: 1 })
})

t.test('every answer carries a strict Content-Security-Policy', async (t) => {
  const app = await buildTestApp(t)
  const csp = String((await app.inject('/healthz')).headers['content-security-policy'])
  t.match(csp, /default-src 'self'/)
  t.match(csp, /script-src 'self'(;|$)/)
  t.notMatch(csp, /unsafe-inline|unsafe-eval/)
})
