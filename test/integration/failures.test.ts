import t from 'tap'
import type { EventLog } from '../../server/log/event-log.js'
import { buildTestApp, startTestServer } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'

/** An EventLog whose every method fails as a bug would: with a plain Error. */
const broken: EventLog = {
  append: async () => { throw new Error('boom: internal detail') },
  readAfter: async () => { throw new Error('boom: internal detail') },
  oldestId: () => 1,
  latestId: () => 10,
  catalog: () => [],
  history: async () => { throw new Error('boom: internal detail') },
  buckets: async () => { throw new Error('boom: internal detail') },
  close: async () => {},
  onAppended: () => () => {},
  sync: async () => { throw new Error('boom: internal detail') },
  state: () => ({ kind: 'sqlite', state: 'up' })
}

t.test('an unexpected failure answers 500 without its details', async (t) => {
  const app = await buildTestApp(t, {}, { log: broken })
  const response = await app.inject({ method: 'POST', url: '/api/events', payload: { metric: 'x', value: 1 } })
  t.equal(response.statusCode, 500)
  t.same(response.json(), { statusCode: 500, code: 'PB_ERR_INTERNAL', error: 'Internal Server Error', message: 'The server could not complete the request.' })
})

t.test('a replay that fails ends that stream and the server goes on serving', async (t) => {
  const { url } = await startTestServer(t, {}, { log: broken })
  const reader = await SseReader.open(`${url}/api/stream?lastEventId=0`)
  t.teardown(() => reader.close())
  t.equal(reader.status, 200)
  await t.resolves(reader.text(), 'the stream is ended')
  t.equal((await fetch(`${url}/healthz`)).status, 200)
})
