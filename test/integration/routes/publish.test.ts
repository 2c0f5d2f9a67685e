import t from 'tap'
import type { PulseboardApp } from '../../../server/app.js'
import { buildTestApp } from '../../helpers/app.js'

const json = { 'content-type': 'application/json' }
const ndjson = { 'content-type': 'application/x-ndjson' }

async function publish (app: PulseboardApp, payload: string | object, headers: Record<string, string> = json): Promise<{ status: number, body: Record<string, unknown> }> {
  const response = await app.inject({ method: 'POST', url: '/api/events', headers, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) })
  return { status: response.statusCode, body: response.json() }
}

t.test('accepts one object, an array and NDJSON, and answers 202 with the ids', async (t) => {
  const app = await buildTestApp(t)
  t.same(await publish(app, { metric: 'btc.usd', value: 64250.5 }), { status: 202, body: { accepted: 1, firstId: 1, lastId: 1 } })
  t.same(await publish(app, [{ metric: 'a', value: 1 }, { metric: 'b', value: -2.5e-3 }]), { status: 202, body: { accepted: 2, firstId: 2, lastId: 3 } })
  t.same(await publish(app, '{"metric":"c","value":1}\r\n\n{"metric":"c","value":2}\n', ndjson), { status: 202, body: { accepted: 2, firstId: 4, lastId: 5 } })
  t.equal(app.pulseboard.log.latestId(), 5)
})

t.test('media types are matched without regard to case', async (t) => {
  const app = await buildTestApp(t)
  t.equal((await publish(app, '{"metric":"a","value":1}\n', { 'content-type': 'Application/X-NDJSON' })).status, 202)
  t.equal((await publish(app, { metric: 'a', value: 2 }, { 'content-type': 'Application/JSON; charset=UTF-8' })).status, 202)
})

t.test('invalid UTF-8 anywhere in the body is a 400, never stored as replacement characters', async (t) => {
  const app = await buildTestApp(t)
  const bytes = Buffer.concat([Buffer.from('{"metric":"x","value":1,"tags":{"a":"'), Buffer.from([0xff]), Buffer.from('"}}')])
  for (const headers of [json, ndjson]) {
    const response = await app.inject({ method: 'POST', url: '/api/events', headers, payload: bytes })
    t.equal(response.statusCode, 400)
    t.match(response.json(), { code: 'PB_ERR_MALFORMED_BODY', message: /UTF-8/ })
  }
  t.equal(app.pulseboard.log.latestId(), 0)
})

t.test('stores ts as ms: given as a number, as ISO-8601, or the receive time', async (t) => {
  const app = await buildTestApp(t)
  const before = Date.now()
  await publish(app, [
    { metric: 'ts.num', value: 1, ts: 1_700_000_000_123 },
    { metric: 'ts.iso', value: 1, ts: '2026-11-23T10:00:00.500+01:00' },
    { metric: 'ts.none', value: 1, tags: { host: 'a' } }
  ])
  const [num, iso, none] = await app.pulseboard.log.readAfter(0, 10)
  t.equal(num?.ts, 1_700_000_000_123)
  t.equal(iso?.ts, Date.parse('2026-11-23T09:00:00.500Z'))
  t.ok(none !== undefined && none.ts >= before && none.ts <= Date.now())
  t.same(none?.tags, { host: 'a' })
})

const invalid: Array<[string, string | object, number, string, RegExp, Record<string, string>?]> = [
  ['a string value', { metric: 'x', value: '0.5' }, 400, 'PB_ERR_PAYLOAD_INVALID', /item 0.*value/],
  ['a null value', { metric: 'x', value: null }, 400, 'PB_ERR_PAYLOAD_INVALID', /value/],
  ['a boolean value', { metric: 'x', value: true }, 400, 'PB_ERR_PAYLOAD_INVALID', /value/],
  ['an overflowing number', '{"metric":"x","value":1e400}', 400, 'PB_ERR_PAYLOAD_INVALID', /value/],
  ['a missing metric', { value: 1 }, 400, 'PB_ERR_PAYLOAD_INVALID', /metric/],
  ['a bad metric name', { metric: '-bad name', value: 1 }, 400, 'PB_ERR_PAYLOAD_INVALID', /metric/],
  ['a bad item inside an array', [{ metric: 'ok', value: 1 }, { metric: 'ok', value: 2 }, { metric: 'ok', value: 'x' }], 400, 'PB_ERR_PAYLOAD_INVALID', /item 2.*value/],
  ['an unknown field', { metric: 'x', value: 1, valeu: 2 }, 400, 'PB_ERR_PAYLOAD_INVALID', /valeu/],
  ['too many tags', { metric: 'x', value: 1, tags: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 400, 'PB_ERR_PAYLOAD_INVALID', /tags/],
  ['a non-string tag', { metric: 'x', value: 1, tags: { a: 1 } }, 400, 'PB_ERR_PAYLOAD_INVALID', /tag "a"/],
  ['an impossible date', { metric: 'x', value: 1, ts: '2026-13-45T00:00:00Z' }, 400, 'PB_ERR_PAYLOAD_INVALID', /ts/],
  ['a ts more than a day ahead', [{ metric: 'x', value: 1 }, { metric: 'x', value: 2, ts: Date.now() + 2 * 86_400_000 }], 400, 'PB_ERR_PAYLOAD_INVALID', /^Invalid payload: item 1: field "ts" is more than a day ahead/],
  ['a ts in the year 275760', { metric: 'x', value: 1, ts: 8.64e15 }, 400, 'PB_ERR_PAYLOAD_INVALID', /item 0: field "ts" is more than a day ahead/],
  ['an NDJSON point dated 9999', '{"metric":"x","value":1}\n{"metric":"x","value":1,"ts":"9999-12-31"}\n', 400, 'PB_ERR_PAYLOAD_INVALID', /line 2: field "ts" is more than a day ahead/, ndjson],
  ['an empty array', [], 400, 'PB_ERR_PAYLOAD_INVALID', /./],
  ['a bare number', '42', 400, 'PB_ERR_PAYLOAD_INVALID', /./],
  ['malformed JSON', '{"metric":', 400, 'PB_ERR_MALFORMED_BODY', /./],
  ['an empty JSON body', '', 400, 'PB_ERR_MALFORMED_BODY', /./],
  ['a __proto__ key', '{"metric":"x","value":1,"__proto__":{"polluted":1}}', 400, 'PB_ERR_MALFORMED_BODY', /./],
  ['an NDJSON body with no line', '\n\n', 400, 'PB_ERR_MALFORMED_BODY', /^Malformed body: empty body/, ndjson],
  ['a bad NDJSON line', '{"metric":"x","value":1}\n{"metric":"x",\n', 400, 'PB_ERR_MALFORMED_BODY', /line 2/, ndjson],
  ['an invalid NDJSON point', '{"metric":"x","value":1}\n\n{"metric":"x","value":"1"}\n', 400, 'PB_ERR_PAYLOAD_INVALID', /line 3.*value/, ndjson],
  ['text/plain', 'btc.usd 1', 415, 'PB_ERR_UNSUPPORTED_MEDIA_TYPE', /./, { 'content-type': 'text/plain' }],
  ['form data', 'metric=x&value=1', 415, 'PB_ERR_UNSUPPORTED_MEDIA_TYPE', /./, { 'content-type': 'application/x-www-form-urlencoded' }]
]

for (const [name, payload, status, code, message, headers] of invalid) {
  t.test(`rejects ${name} with ${status} ${code} and stores nothing`, async (t) => {
    const app = await buildTestApp(t)
    const response = await publish(app, payload, headers)
    t.equal(response.status, status)
    t.match(response.body, { statusCode: status, code, error: String, message })
    t.equal(app.pulseboard.log.latestId(), 0)
    t.same(app.pulseboard.log.catalog(), [])
  })
}

t.test('a request without a body is a 415', async (t) => {
  const app = await buildTestApp(t)
  const response = await app.inject({ method: 'POST', url: '/api/events' })
  t.equal(response.statusCode, 415)
  t.equal(response.json().code, 'PB_ERR_UNSUPPORTED_MEDIA_TYPE')
})

t.test('a body over the limit is a 413', async (t) => {
  const app = await buildTestApp(t, { bodyLimitBytes: 2048 })
  const points = Array.from({ length: 100 }, (_, i) => ({ metric: 'big', value: i }))
  for (const [payload, headers] of [[JSON.stringify(points), json], [points.map((p) => JSON.stringify(p)).join('\n'), ndjson]] as const) {
    const response = await publish(app, payload, headers)
    t.equal(response.status, 413)
    t.equal(response.body.code, 'PB_ERR_BODY_TOO_LARGE')
  }
  t.equal(app.pulseboard.log.latestId(), 0)
})

t.test('a batch over MAX_BATCH_POINTS is a 413 that names the limit', async (t) => {
  const app = await buildTestApp(t, { maxBatchPoints: 10 })
  const response = await publish(app, Array.from({ length: 11 }, (_, i) => ({ metric: 'b', value: i })))
  t.equal(response.status, 413)
  t.match(response.body, { code: 'PB_ERR_BATCH_TOO_LARGE', message: /11.*10/ })
  t.equal((await publish(app, Array.from({ length: 10 }, (_, i) => ({ metric: 'b', value: i })))).status, 202)
})

t.test('with PUBLISH_TOKEN, publishing needs the bearer token', async (t) => {
  const app = await buildTestApp(t, { publishToken: 's3cret-publish-token' })
  const point = { metric: 'x', value: 1 }
  t.match(await publish(app, point), { status: 401, body: { code: 'PB_ERR_UNAUTHORIZED' } })
  t.match(await publish(app, point, { ...json, authorization: 'Bearer wrong-token!' }), { status: 401, body: { code: 'PB_ERR_UNAUTHORIZED' } })
  t.match(await publish(app, point, { ...json, authorization: 'Basic czNjcmV0LXRva2Vu' }), { status: 401 })
  t.equal(app.pulseboard.log.latestId(), 0)
  t.match(await publish(app, point, { ...json, authorization: 'Bearer s3cret-publish-token' }), { status: 202 })
  const read = await app.inject({ method: 'GET', url: '/api/metrics' })
  t.equal(read.statusCode, 200, 'reading needs no publish token')
})

t.test('several publish tokens are accepted at once, so a token can be rotated without downtime', async (t) => {
  const app = await buildTestApp(t, { publishToken: 'old-publish-token-1,new-publish-token-2' })
  const point = { metric: 'x', value: 1 }
  t.equal((await publish(app, point, { ...json, authorization: 'Bearer old-publish-token-1' })).status, 202)
  t.equal((await publish(app, point, { ...json, authorization: 'Bearer new-publish-token-2' })).status, 202)
  t.equal((await publish(app, point, { ...json, authorization: 'Bearer old-publish-token-1,new-publish-token-2' })).status, 401)
})

t.test('past PUBLISH_RATE_LIMIT one address gets 429 with Retry-After, before its body is read', async (t) => {
  const app = await buildTestApp(t, { publishRateLimit: 3 })
  const point = { metric: 'x', value: 1 }
  for (let i = 0; i < 3; i++) t.equal((await publish(app, point)).status, 202)
  const response = await app.inject({ method: 'POST', url: '/api/events', headers: json, payload: 'not even json' })
  t.equal(response.statusCode, 429)
  t.match(response.json(), { statusCode: 429, code: 'PB_ERR_RATE_LIMITED', message: /at most 3 publishes a second/ })
  t.ok(Number(response.headers['retry-after']) >= 1)
  t.equal(app.pulseboard.log.latestId(), 3)
  t.equal((await app.inject('/api/metrics')).statusCode, 200, 'reads are not limited')
})

t.test('unknown routes answer a JSON 404', async (t) => {
  const app = await buildTestApp(t)
  const response = await app.inject({ method: 'GET', url: '/api/nope?x=1' })
  t.equal(response.statusCode, 404)
  t.same(response.json(), { statusCode: 404, code: 'PB_ERR_NOT_FOUND', error: 'Not Found', message: 'Not found: GET /api/nope' })
})
