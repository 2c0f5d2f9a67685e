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

t.test('a preflight for publishing, or for any method but GET and HEAD, gets no CORS allow header', async (t) => {
  const { url } = await startTestServer(t, { corsOrigins: [ALLOWED] })
  const preflight = async (path: string, headers: Record<string, string>): Promise<Response> =>
    await fetch(`${url}${path}`, { method: 'OPTIONS', headers: { origin: ALLOWED, ...headers } })
  const allowHeaders = (response: Response): string[] => [...response.headers.keys()].filter((name) => name.startsWith('access-control-allow-'))
  const refused = [
    ['/api/events', { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }],
    ['/api/events', { 'access-control-request-method': 'post' }],
    ['/api/session', { 'access-control-request-method': 'DELETE' }],
    ['/api/metrics', { 'access-control-request-method': 'PUT' }],
    ['/api/events', {}]
  ] as const
  for (const [path, headers] of refused) {
    const response = await preflight(path, headers)
    t.strictSame(allowHeaders(response), [], `${path} ${JSON.stringify(headers)}`)
    t.equal(response.status, 404, 'answered as an unknown route, in JSON')
    t.match(await response.json(), { statusCode: 404, code: 'PB_ERR_NOT_FOUND' })
  }
  const read = await preflight('/api/stream', { 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' })
  t.equal(read.status, 204, 'a preflight for reading still works')
  t.equal(read.headers.get('access-control-allow-origin'), ALLOWED)
  t.match(read.headers.get('access-control-allow-methods'), /^GET, ?HEAD$/)
  t.equal(read.headers.get('access-control-allow-headers'), 'last-event-id')
  const other = await preflight('/api/stream', { origin: 'https://evil.example', 'access-control-request-method': 'GET' })
  t.equal(other.headers.get('access-control-allow-origin'), null, 'an unlisted origin gets nothing')
})

t.test('the stream carries the CORS header for an allowed origin', async (t) => {
  const { url } = await startTestServer(t, { corsOrigins: [ALLOWED] })
  const reader = await SseReader.open(`${url}/api/stream`, { origin: ALLOWED })
  t.teardown(() => reader.close())
  t.equal(reader.status, 200)
  t.equal(reader.headers['access-control-allow-origin'], ALLOWED)
})
