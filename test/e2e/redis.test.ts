import { Redis } from 'ioredis'
import t from 'tap'
import type { ApiError, MetricCatalog, PublishAck, ResetNotice, StoredEvent } from '../../server/core/event.js'
import type { PulseboardApp } from '../../server/app.js'
import type { Health } from '../../server/routes/health.js'
import { post, startTestServer } from '../helpers/app.js'
import { startRedis } from '../helpers/redis-server.js'
import { SseReader, type SseFrame } from '../helpers/sse-reader.js'
import { waitFor } from '../helpers/wait-for.js'

interface Instance { app: PulseboardApp, url: string }

async function startInstance (t: { teardown: (fn: () => unknown) => void }, redisUrl: string): Promise<Instance> {
  // The shortest recovery window allowed, so the test waits as little as a user could configure.
  return await startTestServer(t, { store: 'redis', redisUrl, heartbeatMs: 1000, redisRecoveryMs: 2000 })
}

async function getJson<T> (url: string): Promise<T> {
  const response = await fetch(url)
  return await response.json() as T
}

/** Opens a stream and reads past its `retry:` line, so the client is subscribed when this resolves. */
async function subscribe (url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const reader = await SseReader.open(`${url}/api/stream`, headers)
  t.teardown(() => reader.close())
  await reader.next()
  return reader
}

const point = (metric: string, value: number): { metric: string, value: number, ts: number } => ({ metric, value, ts: Date.now() })

t.test('instances sharing one Redis share events, resume, catalog and history', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const a = await startInstance(t, redis.url)
  const b = await startInstance(t, redis.url)
  const onA = await subscribe(a.url)
  const onB = await subscribe(b.url)

  const ack = await post(a.url, [point('cpu', 1), point('cpu', 2), point('mem', 3)])
  t.equal(ack.status, 202)
  const { firstId, lastId } = ack.body as PublishAck
  const fromA = await onA.metrics(3)
  const fromB = await onB.metrics(3)
  t.same(fromB.map((e) => e.id), [firstId, firstId + 1, lastId], 'B streams what was published to A, with the same ids')
  t.same(fromB, fromA, 'both instances stream the same events')

  // A client that read up to `lastId` on A comes back on B after three more points went in through B.
  onA.close()
  const more = (await post(b.url, [point('cpu', 4), point('mem', 5), point('cpu', 6)])).body as PublishAck
  t.equal(more.firstId, lastId + 1, 'ids go on from where the other instance left them')
  const resumed = await subscribe(b.url, { 'last-event-id': String(lastId) })
  t.same((await resumed.metrics(3)).map((e) => [e.id, e.value]), [[lastId + 1, 4], [lastId + 2, 5], [lastId + 3, 6]], 'exactly the missed points')
  const live = (await post(a.url, [point('cpu', 7)])).body as PublishAck
  t.same((await resumed.metrics(1)).map((e) => e.id), [live.firstId], 'then live points, with no gap')
  t.same((await onB.metrics(4)).map((e) => e.id), [lastId + 1, lastId + 2, lastId + 3, live.firstId], 'each id once on a client that stayed')

  // The catalog follows the stream, so it agrees on both once both have read the last id.
  await waitFor(async () => (await getJson<Health>(`${b.url}/healthz`)).lastId === live.lastId, 5000, 'B to follow the last id')
  const catalogA = await getJson<MetricCatalog>(`${a.url}/api/metrics`)
  t.same(catalogA.metrics.map((m) => [m.metric, m.count, m.value]), [['cpu', 5, 7], ['mem', 2, 5]])
  t.same(await getJson<MetricCatalog>(`${b.url}/api/metrics`), catalogA, 'the same catalog on both')
  const raw = await getJson<{ points: StoredEvent[] }>(`${a.url}/api/metrics/cpu/history?raw=1`)
  t.same(raw.points.map((e) => e.value), [1, 2, 4, 6, 7], 'raw history, oldest first')
  t.same(await getJson(`${b.url}/api/metrics/cpu/history?raw=1`), raw, 'the same raw history on both')
  const buckets = await getJson<{ buckets: Array<{ count: number, min: number, max: number, last: number }> }>(`${b.url}/api/metrics/cpu/history?points=1`)
  t.same(buckets.buckets.map(({ count, min, max, last }) => ({ count, min, max, last })), [{ count: 5, min: 1, max: 7, last: 7 }])
  const range = `from=${Date.now() - 60_000}&to=${Date.now() + 60_000}&points=3`
  t.same(await getJson(`${a.url}/api/metrics/cpu/history?${range}`), await getJson(`${b.url}/api/metrics/cpu/history?${range}`), 'the same buckets on both')
  t.equal((await fetch(`${b.url}/api/metrics/nope/history`)).status, 404)
  t.same((await getJson<Health>(`${a.url}/healthz`)).store, { kind: 'redis', state: 'up' })
})

/** Every frame a reader gets, in the background, until it is closed. */
function collect (reader: SseReader): SseFrame[] {
  const frames: SseFrame[] = []
  const pump = async (): Promise<void> => {
    for (;;) frames.push(await reader.next(60_000))
  }
  pump().catch(() => {}) // ends when the reader is closed at teardown
  return frames
}

const metricIds = (frames: readonly SseFrame[]): number[] =>
  frames.flatMap((frame) => frame.kind === 'event' && frame.event === 'metric' ? [Number(frame.id)] : [])

/**
 * Reads the stream as EventSource does: when the server ends it, reconnects with
 * the last id received. Frames of every connection land in one list.
 */
function followLikeEventSource (t: { teardown: (fn: () => unknown) => void }, url: string): SseFrame[] {
  const frames: SseFrame[] = []
  const state: { reader?: SseReader, stopped: boolean } = { stopped: false }
  t.teardown(() => { state.stopped = true; state.reader?.close() })
  const pump = async (): Promise<void> => {
    while (!state.stopped) {
      const last = metricIds(frames).at(-1)
      try {
        state.reader = await SseReader.open(`${url}/api/stream`, last === undefined ? {} : { 'last-event-id': String(last) })
        for (;;) frames.push(await state.reader.next(60_000))
      } catch {
        // The stream ended or could not open (Redis recovering): reconnect, as after a retry: delay.
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
  }
  pump().catch(() => {})
  return frames
}

t.test('a Redis crash while publishing: 503s, no acknowledged point lost, every subscriber gets each id once, in order', async (t) => {
  const redis = await startRedis(t)
  if (redis === undefined) return
  const instances = [await startInstance(t, redis.url), await startInstance(t, redis.url)]
  const streams = await Promise.all(instances.map(async ({ url }) => collect(await subscribe(url))))
  const acked: number[] = []
  const refused: Array<{ status: number, body: ApiError, retryAfter: string | null }> = []
  const load = { running: true }
  const publishing = (async () => {
    for (let n = 0; load.running; n++) {
      const { status, body, headers } = await post(instances[n % 2]!.url, [point('load', n)])
      if (status === 202) acked.push((body as PublishAck).firstId)
      else refused.push({ status, body: body as ApiError, retryAfter: headers.get('retry-after') })
      await new Promise((resolve) => setTimeout(resolve, 2)) // pacing, not waiting for anything
    }
  })()

  await waitFor(() => acked.length >= 30, 5000, '30 acknowledged publishes')
  await redis.kill()
  await waitFor(() => refused.length >= 5, 5000, 'publishes refused during the outage')
  const health = await getJson<Health>(`${instances[1]!.url}/healthz`)
  t.same([health.status, health.store], ['degraded', { kind: 'redis', state: 'down' }], '/healthz shows the store down')
  const pings = streams.map((frames) => frames.length)
  await waitFor(() => streams.every((frames, i) => frames.slice(pings[i]).some((f) => f.kind === 'comment' && f.text === 'ping')), 3000, 'heartbeats during the outage')
  const ackedBefore = acked.length
  await redis.restart()
  await waitFor(() => acked.length >= ackedBefore + 30, 10_000, '30 more acknowledged publishes after the restart')
  load.running = false
  await publishing
  await waitFor(async () => (await getJson<Health>(`${instances[0]!.url}/healthz`)).store.state === 'up', 5000, 'the store up again')

  const last = acked.at(-1)!
  await waitFor(() => streams.every((frames) => metricIds(frames).at(-1) === last), 10_000, 'every subscriber to reach the last acknowledged id')
  t.ok(refused.length > 0 && refused.every((r) => r.status === 503 && r.body.code === 'PB_ERR_STORE_UNAVAILABLE' && r.retryAfter !== null),
    'refused publishes are 503 PB_ERR_STORE_UNAVAILABLE with Retry-After')
  for (const [i, frames] of streams.entries()) {
    const ids = metricIds(frames)
    t.ok(ids.every((id, k) => k === 0 || id > ids[k - 1]!), `subscriber ${i}: ids strictly increasing (each once, in order)`)
    const seen = new Set(ids)
    t.same(acked.filter((id) => !seen.has(id)), [], `subscriber ${i}: every acknowledged id arrived`)
  }
})

t.test('Redis restarted empty mid-publish: ids go on above every delivered id, later points reach both instances once, in order', async (t) => {
  const redis = await startRedis(t, { persist: false })
  if (redis === undefined) return
  const instances = [await startInstance(t, redis.url), await startInstance(t, redis.url)]
  t.equal((await post(instances[0]!.url, [point('gone', 1)])).status, 202, 'a metric that only exists before the loss')
  const streams = instances.map(({ url }) => followLikeEventSource(t, url))
  await waitFor(() => streams.every((frames) => frames.length > 0), 10_000, 'both subscribers to be connected')
  const acked: number[] = []
  const phase = { restarted: false, ackedAfterRestart: [] as number[] }
  const load = { running: true }
  const publishing = (async () => {
    // Alternating instances, so at the kill each may have appended an id the other has not read yet.
    for (let n = 0; load.running; n++) {
      const restarted = phase.restarted
      const { status, body } = await post(instances[n % 2]!.url, [point('load', n)])
      if (status !== 202) continue
      acked.push((body as PublishAck).firstId)
      if (restarted) phase.ackedAfterRestart.push((body as PublishAck).firstId)
    }
  })()

  await waitFor(() => acked.length >= 30, 10_000, '30 acknowledged publishes')
  const ackedBeforeKill = acked.length
  await redis.kill()
  const lastBeforeKill = acked.at(-1)!
  await redis.restart()
  phase.restarted = true
  await waitFor(() => phase.ackedAfterRestart.length >= 30, 30_000, '30 acknowledged publishes after the restart')
  load.running = false
  await publishing

  const healths = await Promise.all(instances.map(async ({ url }) => await getJson<Health>(`${url}/healthz`)))
  const continuesFromId = healths[0]!.store.dataLoss?.continuesFromId ?? 0
  t.ok(continuesFromId > lastBeforeKill, `the stream continues (from ${continuesFromId}) above the last id acknowledged before the loss (${lastBeforeKill})`)
  for (const health of healths) {
    t.match(health, { status: 'ok', store: { kind: 'redis', state: 'up', dataLoss: { continuesFromId, detectedAt: String } } }, '/healthz says Redis lost data, and where ids go on')
  }
  t.ok(acked.every((id, k) => k === 0 || id > acked[k - 1]!), 'acknowledged ids only grow: none reused')
  t.ok(phase.ackedAfterRestart.every((id) => id >= continuesFromId), 'every id acknowledged after the restart is past the loss')
  const last = acked.at(-1)!
  await waitFor(() => streams.every((frames) => metricIds(frames).at(-1) === last), 10_000, 'both subscribers to reach the last acknowledged id')
  for (const [i, frames] of streams.entries()) {
    const ids = metricIds(frames)
    t.ok(ids.every((id, k) => k === 0 || id > ids[k - 1]!), `subscriber ${i}: ids strictly increasing (each once, in order)`)
    const seen = new Set(ids)
    t.same(acked.slice(ackedBeforeKill).filter((id) => id >= continuesFromId && !seen.has(id)), [], `subscriber ${i}: every point acknowledged after the recovery arrived`)
    // Whatever this subscriber had not received of what Redis lost, it is told of: no silent gap.
    const before = ids.filter((id) => id < continuesFromId).at(-1) ?? 0
    const told = frames.some((frame) => frame.kind === 'event' && frame.event === 'reset')
    t.ok(before === continuesFromId - 1 || told, `subscriber ${i}: last id before the loss ${before}, then event: reset or nothing missing`)
  }

  // A client that had read an id Redis then lost is told so, then gets what came after the loss.
  const resumed = await SseReader.open(`${instances[1]!.url}/api/stream`, { 'last-event-id': String(lastBeforeKill - 1) })
  t.teardown(() => resumed.close())
  await resumed.next()
  const reset = await resumed.nextEvent()
  t.equal(reset.event, 'reset', 'a resume from the lost range gets event: reset')
  t.same(JSON.parse(reset.data) as ResetNotice, { requestedId: lastBeforeKill - 1, oldestId: continuesFromId })
  t.equal((await resumed.metrics(1))[0]?.id, continuesFromId, 'then the points from the first id after the loss')

  // The catalog and history show what Redis still has.
  for (const { url } of instances) {
    const catalog = await getJson<MetricCatalog>(`${url}/api/metrics`)
    const history = await getJson<{ points: StoredEvent[] }>(`${url}/api/metrics/load/history?raw=1&limit=10000`)
    t.same(catalog.metrics.map((m) => [m.metric, m.count]), [['load', history.points.length]], 'only the metric Redis still has, counted as Redis counts it')
    t.ok(history.points.every((e) => e.id >= continuesFromId), 'history holds no point from before the loss')
    t.equal((await fetch(`${url}/api/metrics/gone/history`)).status, 404, 'a metric Redis lost is unknown')
  }
})

t.test('when Redis loses data, open streams end with a retry:, so each client resumes and learns of any gap', async (t) => {
  const redis = await startRedis(t, { persist: false })
  if (redis === undefined) return
  const instance = await startInstance(t, redis.url)
  t.equal((await post(instance.url, [point('before', 1)])).status, 202)
  const reader = await subscribe(instance.url)
  const client = new Redis(redis.url)
  t.teardown(() => client.disconnect())
  await client.flushall()
  await waitFor(() => reader.ended, 10_000, 'the stream to end once the loss is seen')
  const frames: SseFrame[] = []
  for (;;) {
    try { frames.push(await reader.next(100)) } catch { break }
  }
  t.ok(frames.some((frame) => frame.kind === 'retry'), 'it ends with a retry: delay, as at shutdown')
})
