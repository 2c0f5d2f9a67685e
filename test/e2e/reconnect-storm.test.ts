import t from 'tap'
import { post, startTestServer } from '../helpers/app.js'
import { openReader, type SseReader } from '../helpers/sse-reader.js'
import { ids } from '../helpers/sqlite-log.js'
import { waitFor } from '../helpers/wait-for.js'

/** Why `got` is not exactly the ids `first..last` in order, or undefined when it is. */
function sequenceProblem (got: readonly number[], first: number, last: number): string | undefined {
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== first + i) return `expected id ${first + i} at position ${i}, got ${got[i]}`
  }
  if (got.length !== last - first + 1) return `got ${got.length} ids, expected ${last - first + 1} (${first}..${last})`
  return undefined
}

/** Publishes `count` points in requests of `batch`, failing on anything but 202; returns the acknowledged id range. */
async function publish (url: string, count: number, batch: number, metric: string): Promise<{ firstId: number, lastId: number }> {
  let firstId = 0
  let lastId = 0
  for (let sent = 0; sent < count; sent += batch) {
    const size = Math.min(batch, count - sent)
    const ack = await post(url, Array.from({ length: size }, (_, i) => ({ metric, value: sent + i })))
    if (ack.status !== 202) throw new Error(`publish answered ${ack.status}: ${JSON.stringify(ack.body)}`)
    const body = ack.body as { firstId: number, lastId: number }
    if (firstId === 0) firstId = body.firstId
    lastId = body.lastId
  }
  return { firstId, lastId }
}

t.test('a reconnect storm of 2,000 clients resumes each at its own Last-Event-ID, then follows live', async (t) => {
  const CLIENTS = 2_000
  const OPEN_BATCH = 200
  // One address opens all 2,000 streams here, so the per-address cap is lifted above them.
  const { url, app } = await startTestServer(t, { maxClientsPerIp: 2 * CLIENTS })
  const streamUrl = `${url}/api/stream`
  const { registry } = app.pulseboard

  const first: SseReader[] = []
  for (let i = 0; i < CLIENTS; i += OPEN_BATCH) {
    first.push(...await Promise.all(Array.from({ length: OPEN_BATCH }, async () => await openReader(t, streamUrl, {}, 10_000))))
  }
  t.equal(first.filter((reader) => reader.status !== 200).length, 0, `all ${CLIENTS} streams opened with 200`)
  await t.resolves(waitFor(() => registry.size === CLIENTS, 10_000, `${CLIENTS} open streams`), `${CLIENTS} streams open`)

  const before = await publish(url, 100, 10, 'storm.before')
  t.same(before, { firstId: 1, lastId: 100 })
  // Client i has processed 50..100 of them when the connection drops, so resume points differ.
  const lastIds = await Promise.all(first.map(async (reader, i) => {
    const got = ids(await reader.metrics(50 + (i % 51), 20_000))
    const problem = sequenceProblem(got, 1, got.length)
    if (problem !== undefined) throw new Error(`client ${i} before the storm: ${problem}`)
    return got.at(-1)!
  }))

  for (const reader of first) reader.close()
  await t.resolves(waitFor(() => registry.size === 0, 10_000, 'every stream to close'), 'all 2,000 disconnected together')

  const away = await publish(url, 500, 50, 'storm.away')
  t.same(away, { firstId: 101, lastId: 600 }, '500 points published while they were away')

  const stormStarted = Date.now()
  const again = await Promise.all(lastIds.map(async (last) => await openReader(t, streamUrl, { 'last-event-id': String(last) }, 30_000)))
  const reconnectMs = Date.now() - stormStarted
  t.equal(again.filter((reader) => reader.status !== 200).length, 0, `all ${CLIENTS} reconnected with 200`)

  // Live points go out while replays may still be running: the seam must hold for every client.
  let replayedMs = 0
  const reading = Promise.all(again.map(async (reader, i) => {
    const last = lastIds[i]!
    const missed = sequenceProblem(ids(await reader.metrics(away.lastId - last, 30_000)), last + 1, away.lastId)
    replayedMs = Math.max(replayedMs, Date.now() - stormStarted)
    const followed = sequenceProblem(ids(await reader.metrics(100, 30_000)), away.lastId + 1, away.lastId + 100)
    return { missed, followed }
  }))
  const live = await publish(url, 100, 10, 'storm.live')
  t.same(live, { firstId: 601, lastId: 700 })
  const results = await reading
  const caughtUpMs = Date.now() - stormStarted
  // A final point must come next to every client: nothing was duplicated after the live points either.
  const sentinel = await publish(url, 1, 1, 'storm.sentinel')
  const afterSentinel = await Promise.all(again.map(async (reader) => (await reader.metrics(1, 10_000))[0]!.id))

  const failures = (key: 'missed' | 'followed'): string[] =>
    results.flatMap((result, i) => result[key] === undefined ? [] : [`client ${i} (Last-Event-ID ${lastIds[i]}): ${result[key]}`])
  t.same(failures('missed').slice(0, 5), [], 'each client received exactly the points it missed, in order, with no duplicate')
  t.same(failures('followed').slice(0, 5), [], 'then the live points 601..700, with no gap or duplicate at the seam')
  t.equal(afterSentinel.filter((id) => id !== sentinel.lastId).length, 0, 'then the sentinel point, nothing in between')
  t.equal(registry.size, CLIENTS, 'every reconnected stream is still open')
  t.equal(registry.closeCounts['slow-consumer'], 0, 'no client was cut off as slow')
  t.comment(`reconnect of ${CLIENTS} clients: all heads in ${reconnectMs} ms, every missed point in ${replayedMs} ms, live points too in ${caughtUpMs} ms`)
})
