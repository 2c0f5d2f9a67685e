import t from 'tap'
import { startDemoFeed } from '../../../server/sources/demo-feed.js'
import { startTestServer } from '../../helpers/app.js'
import { SseReader } from '../../helpers/sse-reader.js'

t.test('publishes plausible trading and analytics points over the public API, with the token', async (t) => {
  const { url } = await startTestServer(t, { publishToken: 'demo-token-0123456' })
  const reader = await SseReader.open(`${url}/api/stream`)
  t.teardown(() => reader.close())
  const errors: unknown[] = []
  const stop = startDemoFeed({ baseUrl: url, token: 'demo-token-0123456', intervalMs: 20, onError: (err) => errors.push(err) })
  t.teardown(stop)
  const events = await reader.metrics(40)
  stop()
  t.same(errors, [], 'every publish was accepted') // checked before teardown closes the server under in-flight publishes
  const metrics = new Set(events.map((e) => e.metric))
  for (const metric of ['btc.usd', 'eth.usd', 'sol.usd', 'btc.volume', 'web.visitors_per_s', 'web.signups_total', 'web.error_rate_pct', 'web.latency_p95_ms']) {
    t.ok(metrics.has(metric), metric)
  }
  const btc = events.filter((e) => e.metric === 'btc.usd')
  t.ok(btc.every((e) => e.value > 30_000 && e.value < 130_000 && e.tags?.kind === 'price'), 'prices walk near their start')
  const signups = events.filter((e) => e.metric === 'web.signups_total').map((e) => e.value)
  t.same(signups, [...signups].sort((a, b) => a - b), 'the signup counter never goes down')
})

t.test('a refused publish is reported through onError', async (t) => {
  const { url } = await startTestServer(t, { publishToken: 'demo-token-0123456' })
  const errors: unknown[] = []
  const stop = startDemoFeed({ baseUrl: url, intervalMs: 20, onError: (err) => errors.push(err) })
  t.teardown(stop)
  while (errors.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  t.match(errors[0], { message: /answered 401/ })
})
