import t from 'tap'
import type { StoredEvent } from '../../server/core/event.js'
import { post, startTestServer } from '../helpers/app.js'
import { SseReader } from '../helpers/sse-reader.js'

const SUBSCRIBERS = 500
const POINTS = 1000

async function openMany (t: { teardown: (fn: () => void) => void }, urls: readonly string[]): Promise<SseReader[]> {
  const readers: SseReader[] = []
  for (let i = 0; i < urls.length; i += 100) readers.push(...await Promise.all(urls.slice(i, i + 100).map(async (url) => await SseReader.open(url))))
  t.teardown(() => { for (const reader of readers) reader.close() })
  return readers
}

const summary = (events: readonly StoredEvent[]): string => events.map((e) => `${e.id}:${e.metric}`).join(',')

t.test(`${SUBSCRIBERS} subscribers each receive all ${POINTS} points, in order`, async (t) => {
  const { url, app } = await startTestServer(t, { maxClientsPerIp: SUBSCRIBERS })
  const readers = await openMany(t, Array.from({ length: SUBSCRIBERS }, () => `${url}/api/stream`))
  t.equal(app.pulseboard.registry.size, SUBSCRIBERS)
  const publishing = (async () => {
    for (let i = 0; i < POINTS; i += 50) await post(url, Array.from({ length: 50 }, (_, j) => ({ metric: `fan.m${(i + j) % 10}`, value: i + j })))
  })()
  const received = await Promise.all(readers.map(async (reader) => await reader.metrics(POINTS, 30_000)))
  await publishing
  const expected = Array.from({ length: POINTS }, (_, i) => `${i + 1}:fan.m${i % 10}`).join(',')
  t.equal(received.filter((events) => summary(events) === expected).length, SUBSCRIBERS, 'every subscriber got every id once, in order')
  t.equal(app.pulseboard.hub.stats.delivered, SUBSCRIBERS * POINTS)
})

t.test('a mix of filters: each subscriber gets exactly its set', async (t) => {
  const { url } = await startTestServer(t)
  const filters = ['fan.m0', 'fan.m1,fan.m2', 'fan.*', 'other.*', 'fan.m1*', '*']
  const readers = await openMany(t, Array.from({ length: 120 }, (_, i) => `${url}/api/stream?metrics=${filters[i % filters.length]}`))
  const points = Array.from({ length: 300 }, (_, i) => ({ metric: i % 3 === 0 ? `fan.m${i % 12}` : i % 3 === 1 ? `other.x${i % 5}` : `fan.m1${i % 4}`, value: i }))
  // Markers last: every filter's set ends with one, so reading up to it shows nothing more arrived.
  points.push({ metric: 'fan.m0', value: -1 }, { metric: 'fan.m1', value: -1 }, { metric: 'other.end', value: -1 })
  for (let i = 0; i < points.length; i += 30) await post(url, points.slice(i, i + 30))
  const matches = (glob: string, metric: string): boolean => glob.split(',').some((g) => new RegExp(`^${g.replaceAll('.', '\\.').replaceAll('*', '.*')}$`).test(metric))
  for (const [i, reader] of readers.entries()) {
    const filter = filters[i % filters.length]!
    const expected = points.map((p, index) => ({ ...p, id: index + 1 })).filter((p) => matches(filter, p.metric))
    const got = await reader.metrics(expected.length, 10_000)
    if (summary(got) !== summary(expected as StoredEvent[])) t.fail(`subscriber ${i} (${filter}) got the wrong set, or more`)
  }
  t.pass(`${readers.length} subscribers over ${filters.length} filters each got exactly their set, up to its marker`)
})
