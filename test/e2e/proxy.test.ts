import t, { type Test } from 'tap'
import { post, startTestServer } from '../helpers/app.js'
import { startNginx } from '../helpers/nginx.js'
import { SseReader } from '../helpers/sse-reader.js'

/** Waits allowed on a machine shared with other test runs, in ms. */
const WAIT_MS = 30_000

/** Opens `count` streams through `url`, a few at a time, each with `headers`; closed when the test ends. */
async function openStreams (t: Test, url: string, count: number, headers: Record<string, string> = {}): Promise<SseReader[]> {
  const readers: SseReader[] = []
  for (let opened = 0; opened < count;) {
    const batch = Math.min(20, count - opened)
    const next = await Promise.all(Array.from({ length: batch }, async () => await SseReader.open(`${url}/api/stream?metrics=proxy.*`, headers, WAIT_MS)))
    for (const reader of next) t.teardown(() => reader.close())
    readers.push(...next)
    opened += batch
  }
  return readers
}

t.test('behind nginx without TRUST_PROXY, 300 streams all open: the proxy\'s loopback address is not capped per address', async (t) => {
  const { app, url } = await startTestServer(t)
  const nginx = await startNginx(t, url)
  if (nginx === undefined) return
  const readers = await openStreams(t, nginx.url, 300)
  t.same(readers.filter((reader) => reader.status !== 200).map((reader) => reader.status), [], `every stream is 200, past MAX_CLIENTS_PER_IP (200)\n${nginx.errors()}`)
  t.equal(app.pulseboard.registry.size, 300)
  const ack = await post(url, { metric: 'proxy.up', value: 1 })
  t.equal(ack.status, 202)
  const received = await Promise.all(readers.map(async (reader) => (await reader.metrics(1, WAIT_MS))[0]?.metric))
  t.ok(received.every((metric) => metric === 'proxy.up'), 'every stream gets the point through the proxy')
})

t.test('behind nginx with TRUST_PROXY, the 201st stream from one forwarded address gets 503', async (t) => {
  const { app, url } = await startTestServer(t, { trustProxy: ['127.0.0.1'] })
  const nginx = await startNginx(t, url)
  if (nginx === undefined) return
  const first = await openStreams(t, nginx.url, 200, { 'x-forwarded-for': '203.0.113.7' })
  t.ok(first.every((reader) => reader.status === 200), `200 streams from 203.0.113.7 open\n${nginx.errors()}`)
  const [over] = await openStreams(t, nginx.url, 1, { 'x-forwarded-for': '203.0.113.7' })
  t.equal(over?.status, 503)
  t.equal(over?.headers['retry-after'], '3')
  t.match(JSON.parse(await over!.text(WAIT_MS)), { statusCode: 503, code: 'PB_ERR_OVERLOADED', message: /203\.0\.113\.7 already has 200 streams open/ })
  const others = await openStreams(t, nginx.url, 100, { 'x-forwarded-for': '203.0.113.8' })
  t.ok(others.every((reader) => reader.status === 200), 'another client behind the same proxy is not affected')
  t.equal(app.pulseboard.registry.size, 300, '300 streams through nginx are open')
})
