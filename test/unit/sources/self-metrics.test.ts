import t from 'tap'
import type { MetricPoint } from '../../../server/core/event.js'
import { startSelfMetrics } from '../../../server/sources/self-metrics.js'

const NAMES = ['clients', 'points_in_per_s', 'points_out_per_s', 'rss_mib', 'event_loop_p99_ms', 'cpu_percent', 'slow_consumer_cutoffs',
  'refusals_overloaded', 'refusals_rate_limited', 'refusals_client_error']
const NO_REFUSALS = { overloaded: 0, rate_limited: 0, client_error: 0 }

t.test('publishes the server figures under pulseboard.* every interval', async (t) => {
  const batches: MetricPoint[][] = []
  let published = 0
  const stop = startSelfMetrics({
    append: async (points) => { batches.push(points) },
    hubStats: () => ({ subscribers: 3, published: (published += 50), delivered: published * 2 }),
    clients: () => 3,
    slowConsumerCutoffs: () => 2,
    refusals: () => ({ overloaded: 5, rate_limited: 4, client_error: 3 }),
    onError: (err) => { throw err },
    intervalMs: 20
  })
  t.teardown(stop)
  while (batches.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
  const [first] = batches
  t.same(first?.map((p) => p.metric), NAMES.map((n) => `pulseboard.${n}`))
  const byName = new Map(first?.map((p) => [p.metric.slice('pulseboard.'.length), p.value]))
  t.equal(byName.get('clients'), 3)
  t.equal(byName.get('slow_consumer_cutoffs'), 2)
  t.same([byName.get('refusals_overloaded'), byName.get('refusals_rate_limited'), byName.get('refusals_client_error')], [5, 4, 3])
  t.ok((byName.get('points_in_per_s') ?? 0) > 0, 'a rate from the counter difference')
  t.ok((byName.get('rss_mib') ?? 0) > 1)
  t.ok(first?.every((p) => Number.isFinite(p.value) && p.ts > 0 && p.tags === undefined))
})

t.test('a figure that is not finite is published as 0, and a failed publish is reported, not thrown', async (t) => {
  const errors: unknown[] = []
  const batches: MetricPoint[][] = []
  const stop = startSelfMetrics({
    append: async (points) => {
      batches.push(points)
      throw new Error('store down')
    },
    hubStats: () => ({ subscribers: 0, published: Number.NaN, delivered: 0 }),
    clients: () => Number.POSITIVE_INFINITY,
    slowConsumerCutoffs: () => 0,
    refusals: () => NO_REFUSALS,
    onError: (err) => errors.push(err),
    intervalMs: 20
  })
  t.teardown(stop)
  while (errors.length < 1) await new Promise((resolve) => setTimeout(resolve, 5))
  t.match(errors[0], { message: 'store down' })
  t.equal(batches[0]?.find((p) => p.metric === 'pulseboard.clients')?.value, 0)
  t.equal(batches[0]?.find((p) => p.metric === 'pulseboard.points_in_per_s')?.value, 0)
})

t.test('with an instance name, figures go under pulseboard.<instance>.*', async (t) => {
  const batches: MetricPoint[][] = []
  const stop = startSelfMetrics({
    append: async (points) => { batches.push(points) },
    hubStats: () => ({ subscribers: 0, published: 0, delivered: 0 }),
    clients: () => 0,
    slowConsumerCutoffs: () => 0,
    refusals: () => NO_REFUSALS,
    onError: (err) => { throw err },
    intervalMs: 20,
    instance: 'web-1:3000/w2'
  })
  t.teardown(stop)
  while (batches.length < 1) await new Promise((resolve) => setTimeout(resolve, 5))
  t.same(batches[0]?.map((p) => p.metric), NAMES.map((n) => `pulseboard.web-1:3000/w2.${n}`))
})
