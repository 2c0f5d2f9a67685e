import t from 'tap'
import { buildTestApp, startTestServer } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'

const ALLOWED = 'https://ops.example.com'

t.test('CORS is off by default', async (t) => {
  const app = await buildTestApp(t)
  const response = await app.inject({ url: '/api/metrics', headers: { origin: ALLOWED } })
  t.equal(response.headers['access-control-allow-origin'], undefined)
})

t.test('with CORS_ORIGINS, listed origins may read, others may not, and nobody may publish cross-origin', async (t) => {
  const app = await buildTestApp(t, { corsOrigins: [ALLOWED] })
  const read = await app.inject({ url: '/api/metrics', headers: { origin: ALLOWED } })
  t.equal(read.headers['access-control-allow-origin'], ALLOWED)
  const other = await app.inject({ url: '/api/metrics', headers: { origin: 'https://evil.example' } })
  t.equal(other.headers['access-control-allow-origin'], undefined)
  const preflight = await app.inject({ method: 'OPTIONS', url: '/api/events', headers: { origin: ALLOWED, 'access-control-request-method': 'POST' } })
  t.notMatch(String(preflight.headers['access-control-allow-methods'] ?? ''), /POST/, 'a preflight for POST is not granted')
  const publish = await app.inject({ method: 'POST', url: '/api/events', headers: { origin: ALLOWED }, payload: { metric: 'x', value: 1 } })
  t.equal(publish.headers['access-control-allow-origin'], undefined)
})

t.test('the stream carries the CORS header for an allowed origin', async (t) => {
  const { url } = await startTestServer(t, { corsOrigins: [ALLOWED] })
  const reader = await SseReader.open(`${url}/api/stream`, { origin: ALLOWED })
  t.teardown(() => reader.close())
  t.equal(reader.status, 200)
  t.equal(reader.headers['access-control-allow-origin'], ALLOWED)
})
