import t from 'tap'
import { isHistoryBucket, isMetricSummary, isResetNotice, isStoredEvent, parseBuckets, parseCatalog, parseJson } from '../../../web/src/wire.js'

const good = { id: 1, metric: 'btc.usd', value: 1.5, ts: 1_700_000_000_000 }

t.test('isStoredEvent accepts the wire shape and nothing looser', async (t) => {
  t.ok(isStoredEvent(good))
  t.ok(isStoredEvent({ ...good, tags: { host: 'a' } }))
  t.notOk(isStoredEvent(null))
  t.notOk(isStoredEvent([good]))
  t.notOk(isStoredEvent({ ...good, id: 1.5 }))
  t.notOk(isStoredEvent({ ...good, metric: 3 }))
  t.notOk(isStoredEvent({ ...good, value: null }))
  t.notOk(isStoredEvent({ ...good, ts: '2024' }))
  t.notOk(isStoredEvent({ ...good, tags: ['a'] }))
  t.notOk(isStoredEvent({ ...good, tags: { n: 1 } }))
})

t.test('isMetricSummary needs a count', async (t) => {
  t.ok(isMetricSummary({ ...good, count: 3 }))
  t.notOk(isMetricSummary(good))
})

t.test('isResetNotice needs integer ids', async (t) => {
  t.ok(isResetNotice({ requestedId: 1, oldestId: 50 }))
  t.notOk(isResetNotice({ requestedId: 1 }))
  t.notOk(isResetNotice('x'))
})

t.test('parseCatalog keeps well-formed entries', async (t) => {
  t.same(parseCatalog({ metrics: [{ ...good, count: 1 }, {}] }), [{ ...good, count: 1 }])
  t.type(parseCatalog({ metrics: 'no' }), Error)
})

const bucket = { t: 1_700_000_000_000, min: 1, max: 3, avg: 2, first: 1.5, last: 2.5, count: 4 }
const history = { metric: 'btc.usd', fromMs: 1_699_999_700_000, toMs: 1_700_000_000_000, bucketMs: 1001, buckets: [bucket] }

t.test('isHistoryBucket needs finite figures and a positive integer count', async (t) => {
  t.ok(isHistoryBucket(bucket))
  t.notOk(isHistoryBucket(null))
  for (const key of ['t', 'min', 'max', 'avg', 'first', 'last'] as const) {
    t.notOk(isHistoryBucket({ ...bucket, [key]: null }), `${key} null`)
    t.notOk(isHistoryBucket({ ...bucket, [key]: '1' }), `${key} a string`)
  }
  t.notOk(isHistoryBucket({ ...bucket, count: 0 }), 'an empty bucket is never sent')
  t.notOk(isHistoryBucket({ ...bucket, count: 1.5 }))
  t.notOk(isHistoryBucket(good), 'a raw point is not a bucket')
})

t.test('parseBuckets checks the envelope and keeps well-formed buckets', async (t) => {
  t.same(parseBuckets(history), history)
  t.same(parseBuckets({ ...history, buckets: [bucket, { t: 1 }, 'x'], extra: true }), history, 'drops bad buckets and unknown fields')
  const bad: Array<[string, unknown]> = [
    ['null', null],
    ['an array', [history]],
    ['the raw points body', { metric: 'btc.usd', points: [good] }],
    ['no metric', { ...history, metric: undefined }],
    ['buckets not an array', { ...history, buckets: {} }],
    ['fromMs missing', { ...history, fromMs: undefined }],
    ['toMs a string', { ...history, toMs: '1' }],
    ['bucketMs missing', { ...history, bucketMs: undefined }],
    ['bucketMs zero', { ...history, bucketMs: 0 }],
    ['bucketMs negative', { ...history, bucketMs: -1000 }]
  ]
  for (const [what, body] of bad) t.match(parseBuckets(body), { message: 'metric history has an unexpected shape' }, what)
})

t.test('parseJson returns an Error instead of throwing', async (t) => {
  t.same(parseJson(JSON.stringify(good), isStoredEvent, 'frame'), good)
  t.match(parseJson(undefined, isStoredEvent, 'frame'), { message: 'frame has no data' })
  const notJson = parseJson('{', isStoredEvent, 'frame')
  t.match(notJson, { message: 'frame is not JSON' })
  t.type((notJson as Error).cause, SyntaxError)
  t.match(parseJson('{}', isStoredEvent, 'frame'), { message: 'frame has an unexpected shape' })
})
