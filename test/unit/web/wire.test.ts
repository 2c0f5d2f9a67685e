import t from 'tap'
import { isMetricSummary, isResetNotice, isStoredEvent, parseCatalog, parseHistory, parseJson } from '../../../web/src/wire.js'

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

t.test('parseCatalog and parseHistory keep well-formed entries', async (t) => {
  t.same(parseCatalog({ metrics: [{ ...good, count: 1 }, {}] }), [{ ...good, count: 1 }])
  t.type(parseCatalog({ metrics: 'no' }), Error)
  t.same(parseHistory({ metric: 'btc.usd', points: [good, 'x'] }), [good])
  t.type(parseHistory(null), Error)
})

t.test('parseJson returns an Error instead of throwing', async (t) => {
  t.same(parseJson(JSON.stringify(good), isStoredEvent, 'frame'), good)
  t.match(parseJson(undefined, isStoredEvent, 'frame'), { message: 'frame has no data' })
  const notJson = parseJson('{', isStoredEvent, 'frame')
  t.match(notJson, { message: 'frame is not JSON' })
  t.type((notJson as Error).cause, SyntaxError)
  t.match(parseJson('{}', isStoredEvent, 'frame'), { message: 'frame has an unexpected shape' })
})
