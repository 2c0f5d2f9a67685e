import t from 'tap'
import type { SqliteEventLog } from '../../server/log/sqlite/sqlite-event-log.js'
import { post, startTestServer } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'

t.test('a full disk answers 503, acknowledges nothing, keeps streams alive, and recovers', async (t) => {
  const { url, app } = await startTestServer(t, { heartbeatMs: 50 })
  const writer = (app.pulseboard.log as SqliteEventLog).writer
  const reader = await SseReader.open(`${url}/api/stream`)
  t.teardown(() => reader.close())
  t.equal((await post(url, { metric: 'before', value: 1 })).status, 202)
  t.equal((await reader.metrics(1))[0]?.metric, 'before')

  // A real SQLITE_FULL: the file may not grow past its current size.
  writer.pragma(`max_page_count = ${Number(writer.pragma('page_count', { simple: true }))}`)
  const big = Array.from({ length: 5_000 }, (_, i) => ({ metric: `full.m${i % 50}`, value: i, tags: { pad: 'x'.repeat(100) } }))
  const refused = await post(url, big)
  t.equal(refused.status, 503)
  t.match(refused.body, { statusCode: 503, code: 'PB_ERR_STORE_UNAVAILABLE', message: /SQLITE_FULL|full/i })
  t.equal(refused.headers.get('retry-after'), '5')
  t.equal(app.pulseboard.log.latestId(), 1, 'nothing of the refused batch was stored')
  t.same((await reader.next()), { kind: 'comment', text: 'ping' }, 'the open stream keeps its heartbeats')

  writer.pragma('max_page_count = 1073741823')
  t.same((await post(url, { metric: 'after', value: 2 })).body, { accepted: 1, firstId: 2, lastId: 2 }, 'publishing works again once writes succeed')
  t.same(await reader.metricsBefore(2), [], 'nothing of the refused batch was streamed')
  const accepted = await post(url, big)
  t.same(accepted.body, { accepted: 5_000, firstId: 3, lastId: 5_002 })
  t.equal((await reader.metrics(5_000)).at(-1)?.id, 5_002)
})

t.test('past MAX_METRICS a publish that adds new names is refused with 409', async (t) => {
  const { url } = await startTestServer(t, { maxMetrics: 2 })
  t.equal((await post(url, [{ metric: 'a', value: 1 }, { metric: 'b', value: 1 }])).status, 202)
  const refused = await post(url, { metric: 'c', value: 1 })
  t.equal(refused.status, 409)
  t.match(refused.body, { code: 'PB_ERR_METRIC_LIMIT', message: /2 distinct metrics/ })
  t.equal((await post(url, { metric: 'a', value: 2 })).status, 202, 'known metrics still publish')
})
