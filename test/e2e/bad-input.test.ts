import t from 'tap'
import { post, startTestServer } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'

const ndjson = { 'content-type': 'application/x-ndjson' }

const bad: Array<[string, Record<string, string>?]> = [
  ['{"metric":"x","value":"0.5"}'],
  ['[{"metric":"x","value":1},{"metric":"x"}]'],
  ['{"metric":'],
  ['{"metric":"x","value":1,"__proto__":{"a":1}}'],
  ['{"metric":"x","value":1}\nnot json\n', ndjson],
  ['{"metric":"x","value":1}\n{"metric":"x","value":null}\n', ndjson],
  ['x 1', { 'content-type': 'text/plain' }],
  [JSON.stringify(Array.from({ length: 10_001 }, () => ({ metric: 'x', value: 1 })))],
  ['"'.repeat(2 * 1024 * 1024)]
]

t.test('bad publishes get a 4xx JSON error, stream nothing, and the server keeps serving', async (t) => {
  const { url } = await startTestServer(t)
  const reader = await SseReader.open(`${url}/api/stream`)
  t.teardown(() => reader.close())
  for (const [body, headers] of bad) {
    const response = await post(url, body, headers)
    t.ok(response.status >= 400 && response.status < 500, `4xx for ${body.slice(0, 40)}`)
    t.match(response.body, { statusCode: response.status, code: /^PB_ERR_/, error: String, message: String })
  }
  await post(url, { metric: 'good', value: 1 })
  t.same((await reader.metrics(1)).map((e) => [e.id, e.metric]), [[1, 'good']], 'the first event on the stream is the first good point')
  t.equal((await fetch(`${url}/healthz`)).status, 200)
})
