import { connect } from 'node:net'
import t from 'tap'
import type { SqliteEventLog } from '../../server/log/sqlite/sqlite-event-log.js'
import { post, startTestServer } from '../helpers/app.js'
import { openReader } from '../helpers/sse-reader.js'
import { ids, range } from '../helpers/sqlite-log.js'
import { waitFor } from '../helpers/wait-for.js'

const points = (count: number, metric = 'load.test', from = 0): Array<{ metric: string, value: number }> =>
  Array.from({ length: count }, (_, i) => ({ metric, value: from + i }))

t.test('streams a published point to every subscriber in SSE form', async (t) => {
  const { url } = await startTestServer(t)
  const readers = await Promise.all([1, 2, 3].map(async () => await openReader(t, `${url}/api/stream`)))
  for (const reader of readers) {
    t.equal(reader.status, 200)
    t.match(reader.headers['content-type'], /^text\/event-stream/)
    t.equal(reader.headers['cache-control'], 'no-cache, no-transform')
    t.equal(reader.headers['x-accel-buffering'], 'no')
    t.same(await reader.next(), { kind: 'retry', ms: 3000 }, 'a retry: line comes first')
  }
  const ack = await post(url, { metric: 'btc.usd', value: 64250.5, ts: 1_700_000_000_000, tags: { venue: 'x' } })
  t.equal(ack.status, 202)
  for (const reader of readers) {
    const frame = await reader.nextEvent()
    t.equal(frame.event, 'metric')
    t.same(JSON.parse(frame.data), { id: 1, metric: 'btc.usd', value: 64250.5, ts: 1_700_000_000_000, tags: { venue: 'x' } })
    t.equal(frame.id, '1')
  }
})

t.test('a 10,000-point array arrives complete and in id order', async (t) => {
  const { url } = await startTestServer(t)
  const reader = await openReader(t, `${url}/api/stream`)
  const ack = await post(url, points(10_000))
  t.same(ack.body, { accepted: 10_000, firstId: 1, lastId: 10_000 })
  const events = await reader.metrics(10_000, 10_000)
  t.same(ids(events), range(1, 10_000))
  t.same(events.map((e) => e.value), range(0, 9_999))
})

t.test('?metrics= globs deliver only matching points', async (t) => {
  const { url } = await startTestServer(t)
  const filtered = await openReader(t, `${url}/api/stream?metrics=btc.*,cpu.load`)
  const other = await openReader(t, `${url}/api/stream?metrics=nothing.here`)
  await post(url, [
    { metric: 'btc.usd', value: 1 }, { metric: 'eth.usd', value: 2 }, { metric: 'cpu.load', value: 3 },
    { metric: 'cpu.load.max', value: 4 }, { metric: 'btc.volume.24h', value: 5 }
  ])
  t.same((await filtered.metrics(3)).map((e) => e.metric), ['btc.usd', 'cpu.load', 'btc.volume.24h'])
  await post(url, { metric: 'btc.x', value: 6 })
  t.same((await filtered.metrics(1)).map((e) => e.id), [6], 'nothing unmatched came in between')
  await post(url, { metric: 'nothing.here', value: 7 })
  t.same(await other.metricsBefore(7), [], 'a filter that matched nothing received nothing before the first point it matches')
})

t.test('resume replays exactly the missed points, by header and by query', async (t) => {
  const { url } = await startTestServer(t)
  await post(url, points(50))
  const byHeader = await openReader(t, `${url}/api/stream`, { 'last-event-id': '20' })
  const byQuery = await openReader(t, `${url}/api/stream?lastEventId=45&metrics=load.*`)
  t.same(ids(await byHeader.metrics(30)), range(21, 50))
  t.same(ids(await byQuery.metrics(5)), range(46, 50))
  const reconnected = await openReader(t, `${url}/api/stream?lastEventId=45`, { 'last-event-id': '48' })
  t.same(ids(await reconnected.metrics(2)), [49, 50], 'the header EventSource updates on reconnect wins over the query')
  await post(url, points(3))
  t.same(ids(await byHeader.metrics(3)), [51, 52, 53], 'then live, with no gap or duplicate')
  t.same(ids(await byQuery.metrics(3)), [51, 52, 53])
  t.same(ids(await reconnected.metrics(3)), [51, 52, 53])
})

t.test('resume while points keep arriving has no gap and no duplicate at the seam', async (t) => {
  const { url } = await startTestServer(t)
  await post(url, points(5_000))
  const publishing = (async () => {
    for (let i = 0; i < 20; i++) await post(url, points(50))
  })()
  const reader = await openReader(t, `${url}/api/stream?lastEventId=0`)
  await publishing
  t.same(ids(await reader.metrics(6_000, 10_000)), range(1, 6_000))
})

t.test('a resume from far back, read from SQLite while publishing goes on, has no gap and no duplicate', async (t) => {
  const { url } = await startTestServer(t, { windowSize: 100 })
  await post(url, points(5_000))
  const publishing = (async () => {
    for (let i = 0; i < 40; i++) await post(url, points(25))
  })()
  const reader = await openReader(t, `${url}/api/stream?lastEventId=0`)
  await publishing
  t.same(ids(await reader.metrics(6_000, 10_000)), range(1, 6_000))
})

t.test('a resume id older than the memory window replays from SQLite, with no reset', async (t) => {
  const { url } = await startTestServer(t, { windowSize: 100 })
  await post(url, points(300))
  const reader = await openReader(t, `${url}/api/stream`, { 'last-event-id': '10' })
  // The first read from SQLite starts the read workers, which under tap compile TypeScript: slow on a loaded machine.
  t.same(ids(await reader.metrics(290, 30_000)), range(11, 300))
})

t.test('a resume id older than retention gets a reset event first', async (t) => {
  const { url, app } = await startTestServer(t, { maxPoints: 100 })
  await post(url, points(300))
  t.equal((app.pulseboard.log as SqliteEventLog).prune(), 200, 'retention deleted the oldest 200')
  const reader = await openReader(t, `${url}/api/stream`, { 'last-event-id': '10' })
  const reset = await reader.nextEvent()
  t.equal(reset.event, 'reset')
  t.same(JSON.parse(reset.data), { requestedId: 10, oldestId: 201 })
  t.same(ids(await reader.metrics(100)), range(201, 300))
  const future = await openReader(t, `${url}/api/stream?lastEventId=9999`)
  t.equal((await future.nextEvent()).event, 'reset', 'an id from the future also resets')
  await post(url, points(1))
  t.same(ids(await future.metrics(1)), [301])
})

t.test('an invalid Last-Event-ID is a 400 with a JSON error', async (t) => {
  const { url } = await startTestServer(t)
  const reader = await openReader(t, `${url}/api/stream`, { 'last-event-id': 'abc' })
  t.equal(reader.status, 400)
  t.match(JSON.parse(await reader.text()), { statusCode: 400, code: 'PB_ERR_QUERY_INVALID', message: /Last-Event-ID/ })
})

t.test('200 concurrent subscribers all receive all of 100 points', async (t) => {
  const { url, app } = await startTestServer(t)
  const readers = await Promise.all(Array.from({ length: 200 }, async () => await openReader(t, `${url}/api/stream`)))
  t.equal(app.pulseboard.registry.size, 200)
  for (let i = 0; i < 10; i++) await post(url, points(10, 'many', i * 10))
  const all = await Promise.all(readers.map(async (reader) => ids(await reader.metrics(100))))
  t.ok(all.every((got) => got.join() === range(1, 100).join()), 'every reader got ids 1..100 in order')
})

t.test('a client that never reads is cut off at the byte bound while others keep receiving', async (t) => {
  const { url, app } = await startTestServer(t, { maxClientBufferBytes: 64 * 1024 })
  const { port } = new URL(url)
  const stuck = connect(Number(port), '127.0.0.1')
  t.teardown(() => stuck.destroy())
  stuck.write('GET /api/stream HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n')
  stuck.once('data', () => stuck.pause()) // reads the headers, then never again
  const fast = await openReader(t, `${url}/api/stream`)
  await t.resolves(waitFor(() => app.pulseboard.registry.size === 2), 'both streams are open')
  const big = 'x'.repeat(100)
  let published = 0
  while (app.pulseboard.registry.closeCounts['slow-consumer'] === 0 && published < 100_000) {
    await post(url, Array.from({ length: 2_000 }, (_, i) => ({ metric: 'flood', value: i, tags: { pad: big } })))
    published += 2_000
    await fast.metrics(2_000)
  }
  t.equal(app.pulseboard.registry.closeCounts['slow-consumer'], 1, 'the stuck client was cut off')
  t.equal(app.pulseboard.registry.size, 1)
  await post(url, { metric: 'after', value: 1 })
  t.equal((await fast.metrics(1))[0]?.metric, 'after', 'the fast client still receives')
})

t.test('heartbeats come from one shared timer as `: ping` comments', async (t) => {
  const { url } = await startTestServer(t, { heartbeatMs: 30 })
  const a = await openReader(t, `${url}/api/stream`)
  const b = await openReader(t, `${url}/api/stream?metrics=x`)
  for (const reader of [a, b]) {
    await reader.next() // retry
    t.same(await reader.next(), { kind: 'comment', text: 'ping' })
  }
})

t.test('past MAX_CLIENTS a stream request gets 503 with Retry-After', async (t) => {
  const { url } = await startTestServer(t, { maxClients: 2 })
  await openReader(t, `${url}/api/stream`)
  await openReader(t, `${url}/api/stream`)
  const third = await openReader(t, `${url}/api/stream`)
  t.equal(third.status, 503)
  t.equal(third.headers['retry-after'], '3')
  t.match(JSON.parse(await third.text()), { code: 'PB_ERR_OVERLOADED' })
})

t.test('past MAX_CLIENTS_PER_IP one address gets 503 with Retry-After', async (t) => {
  const { url, app } = await startTestServer(t, { maxClientsPerIp: 2, trustProxy: ['127.0.0.1'] })
  const from = { 'x-forwarded-for': '203.0.113.9' }
  const first = await openReader(t, `${url}/api/stream`, from)
  await openReader(t, `${url}/api/stream`, from)
  const third = await openReader(t, `${url}/api/stream`, from)
  t.equal(third.status, 503)
  t.equal(third.headers['retry-after'], '3')
  t.match(JSON.parse(await third.text()), { code: 'PB_ERR_OVERLOADED', message: /203\.0\.113\.9 already has 2 streams/ })
  t.equal((await openReader(t, `${url}/api/stream`, { 'x-forwarded-for': '203.0.113.10' })).status, 200, 'another address has its own slots')
  first.close()
  await waitFor(() => app.pulseboard.registry.size === 2)
  t.equal((await openReader(t, `${url}/api/stream`, from)).status, 200, 'a slot frees when a stream closes')
  const health = await (await fetch(`${url}/healthz`)).json() as { maxClientsPerIp: number }
  t.equal(health.maxClientsPerIp, 2, 'the limit is visible in /healthz')
})

t.test('loopback clients are not held to MAX_CLIENTS_PER_IP, only to MAX_CLIENTS', async (t) => {
  const { url } = await startTestServer(t, { maxClientsPerIp: 2, maxClients: 4 })
  for (let i = 0; i < 4; i++) t.equal((await openReader(t, `${url}/api/stream`)).status, 200, `stream ${i + 1} from 127.0.0.1`)
  const over = await openReader(t, `${url}/api/stream`)
  t.equal(over.status, 503)
  t.match(JSON.parse(await over.text()), { code: 'PB_ERR_OVERLOADED', message: /already serves 4 streams/ })
})

t.test('without TRUST_PROXY a client\'s X-Forwarded-For is ignored', async (t) => {
  const { url } = await startTestServer(t, { maxClientsPerIp: 1 })
  for (let i = 0; i < 3; i++) {
    t.equal((await openReader(t, `${url}/api/stream`, { 'x-forwarded-for': '203.0.113.9' })).status, 200, 'counted as loopback, not as the address it claims')
  }
})

t.test('an IPv6 client is counted per /64', async (t) => {
  const { url } = await startTestServer(t, { maxClientsPerIp: 2, trustProxy: ['loopback'] })
  t.equal((await openReader(t, `${url}/api/stream`, { 'x-forwarded-for': '2001:db8:0:7::1' })).status, 200)
  t.equal((await openReader(t, `${url}/api/stream`, { 'x-forwarded-for': '2001:db8:0:7:aaaa::2' })).status, 200)
  const third = await openReader(t, `${url}/api/stream`, { 'x-forwarded-for': '2001:db8:0:7:ffff:ffff:ffff:3' })
  t.equal(third.status, 503, 'a third address of the same /64 is refused')
  t.match(JSON.parse(await third.text()), { code: 'PB_ERR_OVERLOADED', message: /2001:db8:0:7::\/64 already has 2 streams/ })
  t.equal((await openReader(t, `${url}/api/stream`, { 'x-forwarded-for': '2001:db8:0:8::1' })).status, 200, 'the next /64 has its own slots')
  t.equal((await openReader(t, `${url}/api/stream`, { 'x-forwarded-for': '::ffff:198.51.100.4' })).status, 200, 'an IPv4-mapped address counts as IPv4')
})

t.test('closing the server ends every stream with a jittered retry', async (t) => {
  const { url, app } = await startTestServer(t)
  const reader = await openReader(t, `${url}/api/stream`)
  await reader.next()
  await app.close()
  const farewell = await reader.next()
  t.equal(farewell.kind, 'retry')
  t.ok(farewell.kind === 'retry' && farewell.ms >= 3000 && farewell.ms < 5000)
  await t.resolves(waitFor(() => reader.ended))
})
