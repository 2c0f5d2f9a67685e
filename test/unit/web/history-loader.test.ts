import t from 'tap'
import type { MetricBuckets, MetricSummary } from '../../../server/core/event.js'
import type { BackfillResult, ResponseLike } from '../../../web/src/history.js'
import { HistoryLoader } from '../../../web/src/history-loader.js'

const WINDOW = 60_000
const ok = (body: unknown): ResponseLike => ({ ok: true, status: 200, json: async () => body })
const summary = (metric: string, id: number): MetricSummary => ({ metric, value: id, ts: id, id, count: 1 })
const buckets = (metric: string): MetricBuckets => ({ metric, fromMs: 0, toMs: 10, bucketMs: 1, buckets: [] })

/**
 * A server whose answers wait until `release()`: each request resolves in order, so a test
 * decides what a load sees before and after another starts.
 */
function heldServer (catalog: () => ResponseLike) {
  const waiting: Array<() => void> = []
  const fetch = async (url: string): Promise<ResponseLike> => {
    await new Promise<void>((resolve) => { waiting.push(resolve) })
    if (url === '/api/metrics') return catalog()
    const metric = decodeURIComponent(url.split('/')[3] ?? '')
    return ok(buckets(metric))
  }
  /** Lets every request made so far, and those they lead to, complete. */
  const release = async (): Promise<void> => {
    for (let round = 0; round < 10; round++) {
      for (const resolve of waiting.splice(0)) resolve()
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return { fetch, release }
}

function setup (catalog: () => ResponseLike) {
  const server = heldServer(catalog)
  const latest: string[] = []
  const histories: string[] = []
  const outcomes: Array<BackfillResult | Error> = []
  const loader = new HistoryLoader({
    fetch: server.fetch,
    accepts: (metric) => metric !== 'other',
    loadLatest: (s) => { latest.push(s.metric) },
    loadHistory: (metric) => { histories.push(metric) },
    onLoaded: (outcome) => { outcomes.push(outcome) }
  })
  return { loader, server, latest, histories, outcomes }
}

const catalog = (): ResponseLike => ok({ metrics: [summary('a', 1), summary('b', 2), summary('other', 3)] })

t.test('loads every metric the board shows and reports the result', async (t) => {
  const { loader, server, latest, histories, outcomes } = setup(catalog)
  loader.load(WINDOW)
  await server.release()
  t.same(latest, ['a', 'b'])
  t.same(histories.sort(), ['a', 'b'])
  t.same(outcomes, [{ metrics: 2, failed: [] }])
})

t.test('a newer load drops what an older one still brings', async (t) => {
  const { loader, server, latest, outcomes } = setup(catalog)
  loader.load(WINDOW)
  loader.load(WINDOW)
  await server.release()
  t.same(latest, ['a', 'b'], 'the first load handed nothing over')
  t.equal(outcomes.length, 1, 'and reported nothing')
})

t.test('a load of one metric belongs to the load in progress and reports no result', async (t) => {
  const { loader, server, latest, histories, outcomes } = setup(catalog)
  loader.load(WINDOW, 'b')
  await server.release()
  t.same(latest, ['b'])
  t.same(histories, ['b'])
  t.same(outcomes, [])
  loader.load(WINDOW, 'a')
  loader.load(WINDOW)
  await server.release()
  t.same(latest, ['b', 'a', 'b'], 'a newer load of every metric drops it')
})

t.test('a failed catalog is reported as an error, for a load of one metric too', async (t) => {
  const { loader, server, outcomes } = setup(() => ({ ok: false, status: 503, json: async () => ({}) }))
  loader.load(WINDOW)
  await server.release()
  loader.load(WINDOW, 'a')
  await server.release()
  t.equal(outcomes.length, 2)
  t.match(outcomes[0], { message: /answered 503/ })
  t.match(outcomes[1], { message: /answered 503/ })
})

t.test('a failure of a superseded load is not reported', async (t) => {
  let calls = 0
  const { loader, server, outcomes } = setup(() => ++calls === 1 ? { ok: false, status: 503, json: async () => ({}) } : catalog())
  loader.load(WINDOW)
  loader.load(WINDOW)
  await server.release()
  t.same(outcomes, [{ metrics: 2, failed: [] }])
})
